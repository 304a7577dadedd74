// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are config text, where ${NAME} is literal
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiKeyOf } from './__fixtures__/api-key-of.js';
import { ConfigError, type DetourConfig, parseConfig } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const designExample = readFileSync(join(here, '__fixtures__', 'design-example.yaml'), 'utf8');
const designEnv = {
  DETOUR_ADMIN_KEY: 'admin-key-1',
  ANTHROPIC_API_KEY: 'sk-ant-1',
  OPENAI_API_KEY: 'sk-oai-1',
};

const minimal = `providers:
  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1 }
models:
  gpt-5:
    deployments: [ { provider: openai, model: gpt-5 } ]
`;

/** Runs `parse` and returns the ConfigError it throws; fails the test when it does not throw one. */
function catchConfigError(parse: () => unknown): ConfigError {
  try {
    parse();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

describe('parseConfig', () => {
  it('fills every default for a minimal config', () => {
    const config = parseConfig(minimal, '/etc/detour/detour.yaml', {});
    const expected: DetourConfig = {
      server: {
        port: 4000,
        host: '127.0.0.1',
        bodyLimit: 20 * 1024 * 1024,
        requestTimeout: 60_000,
        bodyTimeout: 30_000,
        maxConnectionsPerIp: 1000,
      },
      providers: { openai: { protocol: 'openai-chat', baseUrl: 'https://api.openai.com/v1' } },
      models: { 'gpt-5': { deployments: [{ provider: 'openai', model: 'gpt-5' }], fallbacks: [] } },
      routing: { strategy: 'priority' },
      timeouts: {
        connect: 5_000,
        firstToken: 20_000,
        reasoningFirstToken: 60_000,
        idle: 30_000,
        total: 600_000,
        adaptiveFirstToken: { enabled: true, multiplier: 4, floor: 2_000, minSamples: 50 },
      },
      retry: {
        maxAttempts: 3,
        budgetRatio: 0.1,
        budgetMinConcurrent: 3,
        backoffBase: 500,
        backoffMax: 8_000,
        maxRetryAfter: 3_000,
      },
      health: {
        demotion: { failureRate: 0.2, minRequests: 20, window: 60_000 },
        ejection: {
          consecutiveFailures: 5,
          failureRate: 0.5,
          minRequests: 20,
          window: 60_000,
          baseTime: 30_000,
          maxTime: 300_000,
          jitter: 0.1,
          decayInterval: 10_000,
        },
        halfOpen: { trials: 3, probeAfter: 5_000, trialTimeout: 120_000 },
        ramp: [
          { after: 0, weight: 0.1 },
          { after: 20_000, weight: 0.5 },
          { after: 60_000, weight: 1 },
        ],
        coolDown: { max: 60_000, default: 1_000 },
        probes: { enabled: true, interval: 1_000, healthCheck: 10_000 },
        slowness: {
          ratio: 2,
          exitRatio: 1.5,
          minCalls: 50,
          window: 300_000,
          period: 60_000,
          minSamplesPerPeriod: 5,
          warmupPeriods: 5,
        },
        panic: { k: 2, window: 120_000 },
      },
      store: { type: 'sqlite', path: '/etc/detour/detour.db' },
      streams: { recovery: 'error', acrossModels: false },
      auth: { mode: 'keys', cacheTtl: 1_000 },
      log: {
        enabled: true,
        retention: 2_592_000_000,
        flushInterval: 1_000,
        batchSize: 500,
        queueSize: 10_000,
      },
      status: {
        title: 'Detour status',
        interval: 5_000,
        enterAfter: 120_000,
        leaveAfter: 300_000,
        incidentAfter: 120_000,
        resolveAfter: 1_800_000,
      },
      canaries: { enabled: true, every: 20_000, monthlyCapUsd: { default: 10 } },
      webhooks: [],
      configDir: '/etc/detour',
      sourcePath: '/etc/detour/detour.yaml',
    };
    expect(config).toEqual(expected);
  });

  it('reads canaries: interval, suites (files resolved against the config), caps per provider, and quality per model', () => {
    const text = `${minimal}    quality: { onAlarm: demote }\ncanaries:\n  every: 1m\n  suites: [arithmetic, suites/extra.yaml, /abs/s.yml]\n  monthlyCapUsd: { default: 2.5, openai: 40 }\n`;
    const config = parseConfig(text, '/etc/detour/detour.yaml', {});
    expect(config.canaries).toEqual({
      enabled: true,
      every: 60_000,
      suites: ['arithmetic', '/etc/detour/suites/extra.yaml', '/abs/s.yml'],
      monthlyCapUsd: { default: 2.5, openai: 40 },
    });
    expect(config.models['gpt-5']?.quality).toEqual({ onAlarm: 'demote' });
  });

  it('refuses a negative canary cap, an unknown alarm reaction and an empty suite list at their keys', () => {
    const cap = catchConfigError(() =>
      parseConfig(`${minimal}canaries:\n  monthlyCapUsd: { openai: -1 }\n`, 'detour.yaml', {}),
    );
    expect(cap.key).toBe('canaries.monthlyCapUsd.openai');
    const alarm = catchConfigError(() =>
      parseConfig(`${minimal}    quality: { onAlarm: page }\n`, 'detour.yaml', {}),
    );
    expect(alarm.key).toBe('models.gpt-5.quality.onAlarm');
    const suites = catchConfigError(() =>
      parseConfig(`${minimal}canaries: { suites: [] }\n`, 'detour.yaml', {}),
    );
    expect(suites.key).toBe('canaries.suites');
  });

  it('parses the DESIGN.md example once the bedrock provider is removed', () => {
    const withoutBedrock = designExample
      .split('\n')
      .filter((line) => !line.includes('bedrock'))
      .join('\n');
    const config = parseConfig(withoutBedrock, 'conf/detour.yaml', designEnv);
    expect(config.server).toEqual({
      port: 4000,
      host: '127.0.0.1',
      adminKey: 'admin-key-1',
      bodyLimit: 20971520,
      requestTimeout: 60_000,
      bodyTimeout: 30_000,
      maxConnectionsPerIp: 1000,
    });
    expect(config.providers).toEqual({
      anthropic: { protocol: 'anthropic-messages', baseUrl: 'https://api.anthropic.com', apiKey: 'sk-ant-1' },
      openai: { protocol: 'openai-chat', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-oai-1' },
      local: { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:8000/v1' },
    });
    expect(config.models['claude-opus-4.7']).toEqual({
      deployments: [{ provider: 'anthropic', model: 'claude-opus-4-7' }],
      fallbacks: ['gpt-5'],
      timeouts: { firstToken: 60_000 },
    });
    expect(Object.keys(config.models)).toEqual(['claude-opus-4.7', 'gpt-5']);
    expect(config.health.ejection.maxTime).toBe(300_000);
    expect(config.store).toEqual({ type: 'sqlite', path: resolve('conf', 'detour.db') });
    expect(config.configDir).toBe(resolve('conf'));
  });

  it('rejects the DESIGN.md example with bedrock, naming the supported protocols at its line', () => {
    const error = catchConfigError(() => parseConfig(designExample, 'detour.yaml', designEnv));
    expect(error.issues).toHaveLength(1);
    expect(error.toString()).toBe(
      'detour.yaml:6:16: providers.bedrock.protocol: unsupported protocol "bedrock-converse" ' +
        '(supported now: openai-chat, anthropic-messages, azure-openai, bedrock, vertex, gemini)',
    );
    expect(error).toMatchObject({
      file: 'detour.yaml',
      line: 6,
      column: 16,
      key: 'providers.bedrock.protocol',
    });
  });

  it('parses a bedrock provider with its own fields and refuses a region that is not one', () => {
    const text = `providers:
  br: { protocol: bedrock, region: us-east-1, accessKeyId: \${AWS_KEY}, secretAccessKey: \${AWS_SECRET} }
  br-api: { protocol: bedrock, baseUrl: http://127.0.0.1:9000/, apiKey: bk-1 }
models:
  claude:
    deployments: [ { provider: br, model: us.anthropic.claude-sonnet-4-5-20250929-v1:0 } ]
`;
    const config = parseConfig(text, 'detour.yaml', { AWS_KEY: 'AKIA1', AWS_SECRET: 's3cr3t' });
    expect(config.providers).toEqual({
      br: { protocol: 'bedrock', region: 'us-east-1', accessKeyId: 'AKIA1', secretAccessKey: 's3cr3t' },
      'br-api': { protocol: 'bedrock', baseUrl: 'http://127.0.0.1:9000', apiKey: 'bk-1' },
    });
    const error = catchConfigError(() =>
      parseConfig(text.replace('us-east-1', 'Virginia'), 'detour.yaml', { AWS_KEY: 'a', AWS_SECRET: 'b' }),
    );
    expect(error.toString()).toBe(
      'detour.yaml:2:28: providers.br.region: must be an AWS region such as us-east-1',
    );
  });

  it('reports a YAML syntax error with its line, column and the key around it', () => {
    const text = 'providers:\n  openai:\n    protocol: openai-chat\n    baseUrl: "http://x\nmodels: {}\n';
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.toString()).toBe(
      'detour.yaml:6:1: providers.openai.baseUrl: YAML syntax error: Missing closing "quote',
    );
  });

  it('reports duplicate keys as a YAML error at the second key', () => {
    const text = `${minimal}models:\n  other: {}\n`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.toString()).toBe('detour.yaml:6:1: models: YAML syntax error: Map keys must be unique');
  });

  it('reports a wrong type at the key', () => {
    const error = catchConfigError(() => parseConfig(`server:\n  port: high\n${minimal}`, 'detour.yaml', {}));
    expect(error.toString()).toBe('detour.yaml:2:3: server.port: expected a number, got a string');
  });

  it('reports an unknown key by name, even deep in a flow map', () => {
    const text = minimal.replace('model: gpt-5 }', 'model: gpt-5, wieght: 2 }');
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.toString()).toBe(
      'detour.yaml:5:54: models.gpt-5.deployments[0].wieght: unknown key "wieght"',
    );
  });

  it('reports a missing required key at its parent', () => {
    const text = 'providers:\n  openai: { protocol: openai-chat }\nmodels: {}\n';
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.toString()).toBe('detour.yaml:2:3: providers.openai.baseUrl: is required');
  });

  it('reports a deployment naming an unknown provider, listing the known ones', () => {
    const text = `providers:
  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1 }
  anthropic: { protocol: anthropic-messages, baseUrl: https://api.anthropic.com }
models:
  gpt-5:
    deployments:
    - provider: opnai
      model: gpt-5
`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.toString()).toBe(
      'detour.yaml:7:7: models.gpt-5.deployments[0].provider: unknown provider "opnai" (known: openai, anthropic)',
    );
  });

  it('reports a fallback naming an unknown model and a model falling back to itself', () => {
    const text = `${minimal}    fallbacks: [gpt-6, gpt-5]\n`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(
      error.issues.map((issue) => `${issue.line}:${issue.column} ${issue.key}: ${issue.message}`),
    ).toEqual([
      '6:17 models.gpt-5.fallbacks[0]: unknown model "gpt-6" (known: gpt-5)',
      '6:24 models.gpt-5.fallbacks[1]: model "gpt-5" cannot fall back to itself',
    ]);
  });

  it('reads an auto model and reports its candidates that are unknown, itself or auto', () => {
    const good = parseConfig(`${minimal}  fast: { auto: { among: [gpt-5] } }\n`, 'detour.yaml', {});
    expect(good.models.fast).toMatchObject({ auto: { among: ['gpt-5'], prefer: 'cost' }, deployments: [] });
    const text = `${minimal}  fast: { auto: { among: [gpt-6, fast, other] } }\n  other: { auto: { among: [gpt-5] } }\n`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.issues.map((issue) => `${issue.key}: ${issue.message}`)).toEqual([
      'models.fast.auto.among[0]: unknown model "gpt-6" (known: gpt-5, fast, other)',
      'models.fast.auto.among[1]: auto model "fast" cannot choose itself',
      'models.fast.auto.among[2]: "other" is an auto model itself',
    ]);
  });

  it('refuses a model with both auto and deployments, or neither, or auto with a strategy', () => {
    const both = `${minimal}    auto: { among: [gpt-5] }\n`;
    expect(catchConfigError(() => parseConfig(both, 'detour.yaml', {})).issues[0]?.message).toBe(
      '`auto` cannot be set with `deployments` or `hosts`: an auto model routes among other models',
    );
    const neither = `${minimal}  empty: { description: nothing }\n`;
    expect(catchConfigError(() => parseConfig(neither, 'detour.yaml', {})).issues[0]?.message).toBe(
      'must list at least one deployment (or name `hosts:` to take them from the model catalog, or be an `auto` model)',
    );
    const strategy = `${minimal}  fast: { auto: { among: [gpt-5] }, strategy: weighted }\n`;
    expect(catchConfigError(() => parseConfig(strategy, 'detour.yaml', {})).issues[0]?.message).toContain(
      'an `auto` model has none',
    );
  });

  it('reports a bad duration with the accepted forms', () => {
    const text = `${minimal}timeouts:\n  idle: 30 seconds\n`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.toString()).toBe(
      'detour.yaml:7:3: timeouts.idle: invalid duration "30 seconds" (write e.g. 250ms, 30s, 5m, 1h or 30d, or a number of milliseconds)',
    );
  });

  it('quotes model names that hold a dot in the key path', () => {
    const text = `providers:\n  p: { protocol: openai-chat, baseUrl: http://h }\nmodels:\n  claude-opus-4.7:\n    deployments: [ { provider: p, model: m } ]\n    timeouts: { firstToken: soon }\n`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    expect(error.key).toBe('models["claude-opus-4.7"].timeouts.firstToken');
    expect(error.line).toBe(6);
  });

  it('converts durations and sizes', () => {
    const text = `server: { bodyLimit: 512kb, requestTimeout: 2m }\n${minimal}timeouts: { connect: 250ms, firstToken: 1h, reasoningFirstToken: 2h, idle: 1500, total: 1.5s, adaptiveFirstToken: { floor: 750ms } }\n`;
    const config = parseConfig(text, 'detour.yaml', {});
    expect(config.server.bodyLimit).toBe(512 * 1024);
    expect(config.server.requestTimeout).toBe(120_000);
    expect(config.timeouts).toEqual({
      connect: 250,
      firstToken: 3_600_000,
      reasoningFirstToken: 7_200_000,
      idle: 1500,
      total: 1500,
      adaptiveFirstToken: { enabled: true, multiplier: 4, floor: 750, minSamples: 50 },
    });
  });

  it('requires client keys unless the config turns auth off, and refuses another mode at its key', () => {
    expect(parseConfig(minimal, 'detour.yaml', {}).auth).toEqual({ mode: 'keys', cacheTtl: 1_000 });
    expect(parseConfig(`${minimal}auth: {}\n`, 'detour.yaml', {}).auth.mode).toBe('keys');
    expect(parseConfig(`${minimal}auth: { mode: off, cacheTtl: 5s }\n`, 'detour.yaml', {}).auth).toEqual({
      mode: 'off',
      cacheTtl: 5_000,
    });
    const error = catchConfigError(() => parseConfig(`${minimal}auth: { mode: open }\n`, 'detour.yaml', {}));
    expect(error.key).toBe('auth.mode');
  });

  it('reports several problems together, in file order, each with its place', () => {
    const text = `server:
  port: 70000
  prot: 1
${minimal}    fallbacks: [nope]
routing: { strategy: fastest }
`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
    const lines = [
      'detour.yaml:2:3: server.port: must be at most 65535',
      'detour.yaml:3:3: server.prot: unknown key "prot"',
      'detour.yaml:9:17: models.gpt-5.fallbacks[0]: unknown model "nope" (known: gpt-5)',
      'detour.yaml:10:12: routing.strategy: must be one of: priority, weighted, least-latency, cost (got "fastest")',
    ];
    expect(error.issues).toHaveLength(4);
    expect(error.message).toBe(lines.join('\n'));
    expect(error.toString()).toBe(lines.join('\n'));
    expect(error).toMatchObject({ line: 2, column: 3, key: 'server.port' });
  });

  it('normalises a trailing slash on baseUrl and rejects non-http URLs', () => {
    const config = parseConfig(minimal.replace('/v1 }', '/v1/ }'), 'detour.yaml', {});
    expect(config.providers.openai?.baseUrl).toBe('https://api.openai.com/v1');
    const error = catchConfigError(() =>
      parseConfig(minimal.replace('https://', 'ftp://'), 'detour.yaml', {}),
    );
    expect(error.toString()).toBe(
      'detour.yaml:2:36: providers.openai.baseUrl: must be an http:// or https:// URL',
    );
  });

  it('reads an azure-openai provider with its api-version, and one on the v1 endpoint without', () => {
    const text = `providers:
  azure: { protocol: azure-openai, baseUrl: https://contoso.openai.azure.com/, apiKey: az-key-1, apiVersion: 2025-04-01-preview }
  azure-v1: { protocol: azure-openai, baseUrl: https://contoso.openai.azure.com/openai/v1, apiKey: az-key-2 }
models:
  gpt-4o:
    deployments: [ { provider: azure, model: gpt-4o }, { provider: azure-v1, model: gpt-4o } ]
`;
    expect(parseConfig(text, 'detour.yaml', {}).providers).toEqual({
      azure: {
        protocol: 'azure-openai',
        baseUrl: 'https://contoso.openai.azure.com',
        apiKey: 'az-key-1',
        apiVersion: '2025-04-01-preview',
      },
      'azure-v1': {
        protocol: 'azure-openai',
        baseUrl: 'https://contoso.openai.azure.com/openai/v1',
        apiKey: 'az-key-2',
      },
    });
  });

  it('refuses an apiVersion on the Azure v1 endpoint, and a malformed one, at the key', () => {
    const text = (provider: string) =>
      `providers:\n  azure: ${provider}\nmodels:\n  m: { deployments: [ { provider: azure, model: d } ] }\n`;
    const onV1 = catchConfigError(() =>
      parseConfig(
        text(
          '{ protocol: azure-openai, baseUrl: https://c.openai.azure.com/openai/v1/, apiKey: k, apiVersion: 2024-10-21 }',
        ),
        'detour.yaml',
        {},
      ),
    );
    expect(onV1.key).toBe('providers.azure.apiVersion');
    expect(onV1.message).toMatch(/does not apply to the Azure OpenAI v1 endpoint/);
    const malformed = catchConfigError(() =>
      parseConfig(
        text(
          '{ protocol: azure-openai, baseUrl: https://c.openai.azure.com, apiKey: k, apiVersion: latest }',
        ),
        'detour.yaml',
        {},
      ),
    );
    expect(malformed.key).toBe('providers.azure.apiVersion');
    expect(malformed.message).toMatch(/must be an api-version such as 2024-10-21/);
  });

  it('requires the key of an azure-openai provider', () => {
    const error = catchConfigError(() =>
      parseConfig(
        'providers:\n  azure: { protocol: azure-openai, baseUrl: https://c.openai.azure.com }\nmodels:\n  m: { deployments: [ { provider: azure, model: d } ] }\n',
        'detour.yaml',
        {},
      ),
    );
    expect(error.key).toBe('providers.azure.apiKey');
  });

  it('reads a postgres store and rejects a store naming both engines', () => {
    const config = parseConfig(`${minimal}store: { postgres: postgres://db/detour }\n`, 'detour.yaml', {});
    expect(config.store).toEqual({ type: 'postgres', url: 'postgres://db/detour' });
    const error = catchConfigError(() =>
      parseConfig(`${minimal}store: { sqlite: a.db, postgres: postgres://db/detour }\n`, 'detour.yaml', {}),
    );
    expect(error.key).toBe('store');
    expect(error.line).toBe(6);
  });

  it('reads telemetry.otlp with its default service name, and leaves telemetry absent when unset', () => {
    const config = parseConfig(
      `${minimal}telemetry: { otlp: { endpoint: "http://collector:4318/", headers: { x-api-key: k1 } } }\n`,
      'detour.yaml',
      {},
    );
    expect(config.telemetry).toEqual({
      otlp: { endpoint: 'http://collector:4318', headers: { 'x-api-key': 'k1' }, serviceName: 'detour' },
    });
    expect(parseConfig(minimal, 'detour.yaml', {}).telemetry).toBeUndefined();
  });

  it('refuses telemetry without otlp, an OTLP endpoint that is not http(s), and an unknown key, at the key', () => {
    const cases: Array<[string, string]> = [
      ['telemetry: {}\n', 'telemetry.otlp'],
      ['telemetry: { otlp: { endpoint: "grpc://collector:4317" } }\n', 'telemetry.otlp.endpoint'],
      ['telemetry: { otlp: { endpoint: "http://c:4318", protocol: grpc } }\n', 'telemetry.otlp.protocol'],
      ['telemetry: { otlp: { endpoint: "http://c:4318", serviceName: "" } }\n', 'telemetry.otlp.serviceName'],
    ];
    for (const [text, key] of cases) {
      const error = catchConfigError(() => parseConfig(`${minimal}${text}`, 'detour.yaml', {}));
      expect(error.key, text).toBe(key);
      expect(error.line, text).toBe(6);
    }
  });

  it('treats a name in angle brackets as a label, not a file', () => {
    const config = parseConfig(minimal, '<built-in config>', {});
    expect(config.configDir).toBe(process.cwd());
    expect(config).not.toHaveProperty('sourcePath');
  });

  it('reports an empty file and a document that is not a map', () => {
    expect(catchConfigError(() => parseConfig('', 'detour.yaml', {})).toString()).toBe(
      'detour.yaml:1:1: the file is empty: it needs `providers` and `models`',
    );
    expect(catchConfigError(() => parseConfig('- a\n', 'detour.yaml', {})).toString()).toBe(
      'detour.yaml:1:1: expected a map, got a list',
    );
  });
});

describe('parseConfig environment interpolation', () => {
  const withKey = (value: string) => minimal.replace('/v1 }', `/v1, apiKey: ${value} }`);

  it('reads ${NAME} from the environment, also inside a flow map', () => {
    const config = parseConfig(withKey('${OPENAI_API_KEY}'), 'detour.yaml', {
      OPENAI_API_KEY: 'sk-from-env',
    });
    expect(apiKeyOf(config.providers.openai)).toBe('sk-from-env');
  });

  it('reports a missing variable, naming it and the key that uses it', () => {
    const error = catchConfigError(() => parseConfig(withKey('${OPENAI_API_KEY}'), 'detour.yaml', {}));
    expect(error.issues).toHaveLength(1);
    expect(error.toString()).toBe(
      'detour.yaml:2:72: providers.openai.apiKey: environment variable OPENAI_API_KEY is not set ' +
        '(write ${OPENAI_API_KEY:-default} to give a default)',
    );
  });

  it('uses the default of ${NAME:-default} when the variable is unset, and the variable when set', () => {
    const text = `server:\n  host: \${HOST:-0.0.0.0}\n  port: \${PORT:-4100}\n${minimal}`;
    const unset = parseConfig(text, 'detour.yaml', {});
    expect(unset.server).toMatchObject({ host: '0.0.0.0', port: 4100 });
    const set = parseConfig(text, 'detour.yaml', { HOST: '10.0.0.1', PORT: '8080' });
    expect(set.server).toMatchObject({ host: '10.0.0.1', port: 8080 });
  });

  it('treats an unquoted value that interpolates to nothing as absent', () => {
    const config = parseConfig(withKey('${OPENAI_API_KEY:-}'), 'detour.yaml', {});
    expect(config.providers.openai).not.toHaveProperty('apiKey');
  });

  it('keeps $${ as a literal ${', () => {
    const text = `${minimal}    description: "costs $\${PRICE} and \${UNIT:-cents}"\n`;
    const config = parseConfig(text, 'detour.yaml', {});
    expect(config.models['gpt-5']?.description).toBe('costs ${PRICE} and cents');
  });

  it('keeps a variable of digits a string for a string field', () => {
    const config = parseConfig(withKey('${OPENAI_API_KEY}'), 'detour.yaml', { OPENAI_API_KEY: '12345' });
    expect(apiKeyOf(config.providers.openai)).toBe('12345');
  });
});

describe('parseConfig secrets', () => {
  const secret = 'sk-live-TOPSECRET-123';

  it('never echoes an API key or admin key in error text', () => {
    const texts = [
      // A syntax error on the secret's own line.
      `providers:\n  openai:\n    protocol: openai-chat\n    apiKey: ${secret}: x\nmodels: {}\n`,
      `providers:\n  openai: { protocol: openai-chat, apiKey: ${secret}: x }\nmodels: {}\n`,
      // Unknown protocol, unknown key and a bad URL next to the secret.
      `providers:\n  openai: { protocol: palm, apiKey: ${secret} }\nmodels: {}\n`,
      `providers:\n  openai: { protocol: openai-chat, baseUrl: "${secret}", apikey: ${secret} }\nmodels: {}\n`,
      // Wrong types of secret fields.
      `server: { adminKey: [${secret}] }\n${minimal}`,
      `server: { adminKey: "" }\nstore: { postgres: 7 }\n${minimal}`,
      `providers:\n  openai: { protocol: openai-chat, baseUrl: http://h, headers: { x-key: [${secret}] } }\nmodels: {}\n`,
      // A collector's API key next to a bad endpoint, and of the wrong type.
      `${minimal}telemetry: { otlp: { endpoint: ftp://c, headers: { x-key: ${secret} } } }\n`,
      `${minimal}telemetry: { otlp: { endpoint: http://c, headers: { x-key: [${secret}] } } }\n`,
    ];
    for (const text of texts) {
      const error = catchConfigError(() => parseConfig(text, 'detour.yaml', {}));
      expect(error.toString()).not.toContain('TOPSECRET');
      expect(JSON.stringify(error.issues)).not.toContain('TOPSECRET');
    }
  });

  it('never echoes a secret that came from the environment', () => {
    const text = `providers:\n  openai: { protocol: openai-chat, baseUrl: \${OPENAI_API_KEY}, apiKey: \${OPENAI_API_KEY} }\nmodels: {}\n`;
    const error = catchConfigError(() => parseConfig(text, 'detour.yaml', { OPENAI_API_KEY: secret }));
    expect(error.key).toBe('providers.openai.baseUrl');
    expect(error.toString()).not.toContain('TOPSECRET');
  });
});
