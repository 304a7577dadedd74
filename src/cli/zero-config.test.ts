import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { loadCatalog } from '../catalog/index.js';
import {
  configSchema,
  interpolateEnv,
  type ProviderProtocol,
  parseConfig,
  SUPPORTED_PROTOCOLS,
} from '../config/index.js';
import {
  type DetectedHost,
  describeVendorHosts,
  detectVendorHosts,
  simulatorConfigYaml,
  vendorConfigYaml,
} from './zero-config.js';

const CATALOG_MODELS = loadCatalog().list();

/** Every kind the config describes, built in this branch or not: the generator must speak them all. */
const ALL_PROTOCOLS: readonly ProviderProtocol[] = [
  'openai-chat',
  'anthropic-messages',
  'azure-openai',
  'bedrock',
  'vertex',
  'gemini',
];

/**
 * The config schema with every provider kind allowed. Kinds whose folders are still being built
 * are refused by `parseConfig` until they land; their generated YAML is checked against their own
 * schema here meanwhile, and goes through `parseConfig` itself once the kind is supported.
 */
const providerKinds = configSchema.shape.providers.valueType.out;
const allKindsSchema = configSchema.extend({ providers: z.record(z.string(), providerKinds) });

interface LoadedConfig {
  providers: Record<string, Record<string, unknown>>;
  models: Record<string, { deployments: Array<{ provider: string; model: string }> }>;
}

/** Loads generated YAML with `env` as `detour start` would, and fails the test when it is invalid. */
function load(yaml: string, env: NodeJS.ProcessEnv): LoadedConfig {
  const interpolated = interpolateEnv(yaml, env);
  if (!interpolated.ok) throw new Error(interpolated.messages.join('; '));
  const document = parseYaml(interpolated.value) as {
    providers: Record<string, { protocol: ProviderProtocol }>;
  };
  const protocols = Object.values(document.providers).map((provider) => provider.protocol);
  if (protocols.every((protocol) => SUPPORTED_PROTOCOLS.includes(protocol))) {
    return parseConfig(yaml, '<built-in vendor config>', env) as unknown as LoadedConfig;
  }
  const result = allKindsSchema.safeParse(document);
  if (!result.success) throw new Error(z.prettifyError(result.error));
  return result.data as unknown as LoadedConfig;
}

function detect(env: NodeJS.ProcessEnv, files: Record<string, string> = {}) {
  return detectVendorHosts(env, {
    protocols: ALL_PROTOCOLS,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: ${path}`);
      return text;
    },
  });
}

function deploymentsOf(config: LoadedConfig, model: string): string[] {
  return (config.models[model]?.deployments ?? []).map(
    (deployment) => `${deployment.provider}/${deployment.model}`,
  );
}

const SERVICE_ACCOUNT = JSON.stringify({
  type: 'service_account',
  project_id: 'detour-test-project',
  private_key_id: 'k1',
  private_key: '-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n',
  client_email: 'detour@detour-test-project.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.googleapis.com/token',
});

const GPT_MODELS = CATALOG_MODELS.filter((model) => model.ids.openai !== undefined).map(
  (model) => model.name,
);
const CLAUDE_MODELS = CATALOG_MODELS.filter((model) => model.ids.anthropic !== undefined).map(
  (model) => model.name,
);
const BEDROCK_MODELS = CATALOG_MODELS.filter((model) => model.ids.bedrock !== undefined).map(
  (model) => model.name,
);
const GEMINI_MODELS = CATALOG_MODELS.filter((model) => model.ids.gemini !== undefined).map(
  (model) => model.name,
);

describe('detectVendorHosts', () => {
  it('finds nothing in an environment without credentials', () => {
    expect(detect({ PATH: '/usr/bin', HOME: '/home/me' })).toEqual({ hosts: [], skipped: [] });
  });

  it('treats an empty variable as unset', () => {
    expect(detect({ OPENAI_API_KEY: '', GEMINI_API_KEY: '' }).hosts).toEqual([]);
  });

  it('skips a host whose kind this build cannot reach, saying so, and keeps the others', () => {
    const found = detectVendorHosts(
      { OPENAI_API_KEY: 'sk-1', AWS_ACCESS_KEY_ID: 'AKIA1', AWS_SECRET_ACCESS_KEY: 's' },
      { protocols: ['openai-chat'] },
    );
    expect(found.hosts.map((host) => host.host)).toEqual(['openai']);
    expect(found.skipped).toEqual([
      'bedrock: this build of Detour cannot reach bedrock hosts yet (protocol bedrock)',
    ]);
  });

  it('offers by default only hosts whose kind parseConfig accepts, so the start config always loads', () => {
    const env = {
      OPENAI_API_KEY: 'sk',
      ANTHROPIC_API_KEY: 'sk-ant',
      AZURE_OPENAI_API_KEY: 'az',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 's',
      GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
      GEMINI_API_KEY: 'g',
    };
    const found = detectVendorHosts(env, { readFile: () => SERVICE_ACCOUNT });
    const config = parseConfig(vendorConfigYaml(found.hosts), '<built-in vendor config>', env);
    expect(Object.keys(config.providers)).toEqual(found.hosts.map((host) => host.host));
    expect(Object.keys(config.providers)).toEqual(expect.arrayContaining(['openai', 'azure', 'anthropic']));
    expect(found.hosts.length + found.skipped.length).toBe(6);
    for (const reason of found.skipped) expect(reason).toMatch(/cannot reach/);
  });
});

describe('vendorConfigYaml', () => {
  it('configures OpenAI alone from OPENAI_API_KEY, with the GPT models on it', () => {
    const env = { OPENAI_API_KEY: 'sk-openai-secret' };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(config.providers).toEqual({
      openai: { protocol: 'openai-chat', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-openai-secret' },
    });
    expect(Object.keys(config.models)).toEqual(GPT_MODELS);
    expect(deploymentsOf(config, 'gpt-5')).toEqual(['openai/gpt-5']);
  });

  it('is an open sandbox: auth off, where a config file would require client keys', () => {
    const env = { OPENAI_API_KEY: 'sk-openai-secret', ANTHROPIC_API_KEY: 'sk-ant-secret' };
    const config = parseConfig(vendorConfigYaml(detect(env).hosts), '<built-in vendor config>', env);
    expect(config.auth.mode).toBe('off');
  });

  it('configures Anthropic alone from ANTHROPIC_API_KEY, with the Claude models on it', () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-secret' };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(config.providers.anthropic).toMatchObject({
      protocol: 'anthropic-messages',
      apiKey: 'sk-ant-secret',
    });
    expect(Object.keys(config.models)).toEqual(CLAUDE_MODELS);
    expect(deploymentsOf(config, 'claude-sonnet-4.5')).toEqual(['anthropic/claude-sonnet-4-5']);
  });

  it('configures Azure from AZURE_OPENAI_API_KEY, AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION, deployments named as the models', () => {
    const env = {
      AZURE_OPENAI_API_KEY: 'az-secret',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com/',
      OPENAI_API_VERSION: '2025-04-01-preview',
    };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(config.providers).toEqual({
      azure: {
        protocol: 'azure-openai',
        baseUrl: 'https://contoso.openai.azure.com',
        apiKey: 'az-secret',
        apiVersion: '2025-04-01-preview',
      },
    });
    expect(Object.keys(config.models)).toEqual(GPT_MODELS);
    expect(deploymentsOf(config, 'gpt-4.1')).toEqual(['azure/gpt-4.1']);
  });

  it('leaves the api-version out for an Azure v1 endpoint, where the config refuses one', () => {
    const env = {
      AZURE_OPENAI_API_KEY: 'az-secret',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com/openai/v1/',
      OPENAI_API_VERSION: '2024-10-21',
    };
    const found = detect(env);
    expect(found.hosts[0]?.variables).toEqual(['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT']);
    expect(load(vendorConfigYaml(found.hosts), env).providers.azure).not.toHaveProperty('apiVersion');
  });

  it('skips Azure with only one of its two variables, saying which is missing', () => {
    expect(detect({ AZURE_OPENAI_API_KEY: 'az' })).toEqual({
      hosts: [],
      skipped: ['azure: set both AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT (only the key is set)'],
    });
    expect(detect({ AZURE_OPENAI_ENDPOINT: 'https://x' }).skipped).toEqual([
      'azure: set both AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT (only the endpoint is set)',
    ]);
  });

  it('puts a GPT model on OpenAI first, then on Azure', () => {
    const env = {
      OPENAI_API_KEY: 'sk',
      AZURE_OPENAI_API_KEY: 'az',
      AZURE_OPENAI_ENDPOINT: 'https://c.openai.azure.com',
    };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(deploymentsOf(config, 'gpt-5')).toEqual(['openai/gpt-5', 'azure/gpt-5']);
  });

  it('configures Bedrock from AWS access keys with a session token, its region and its inference profiles', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      AWS_SESSION_TOKEN: 'aws-session',
      AWS_REGION: 'eu-west-1',
    };
    const found = detect(env);
    expect(found.hosts.map((host) => host.variables)).toEqual([
      ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION'],
    ]);
    const config = load(vendorConfigYaml(found.hosts), env);
    expect(config.providers).toEqual({
      bedrock: {
        protocol: 'bedrock',
        region: 'eu-west-1',
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'aws-secret',
        sessionToken: 'aws-session',
      },
    });
    expect(Object.keys(config.models)).toEqual(BEDROCK_MODELS);
    expect(deploymentsOf(config, 'claude-sonnet-4.5')).toEqual([
      'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
  });

  it('defaults Bedrock to us-east-1 and its us. profiles', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'aws-secret' };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(config.providers.bedrock).toMatchObject({ region: 'us-east-1' });
    expect(deploymentsOf(config, 'claude-haiku-4.5')).toEqual([
      'bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0',
    ]);
  });

  it('takes the region from AWS_DEFAULT_REGION when AWS_REGION is unset', () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's', AWS_DEFAULT_REGION: 'us-west-2' };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(config.providers.bedrock).toMatchObject({ region: 'us-west-2' });
  });

  it('configures Bedrock from a Bedrock API key, which wins over access keys', () => {
    const env = {
      AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
    };
    const found = detect(env);
    expect(found.hosts[0]?.variables).toEqual(['AWS_BEARER_TOKEN_BEDROCK']);
    expect(load(vendorConfigYaml(found.hosts), env).providers.bedrock).toEqual({
      protocol: 'bedrock',
      region: 'us-east-1',
      apiKey: 'bedrock-api-key',
    });
  });

  it('skips Bedrock with an access key id but no secret', () => {
    expect(detect({ AWS_ACCESS_KEY_ID: 'AKIA' })).toEqual({
      hosts: [],
      skipped: ['bedrock: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK'],
    });
  });

  it('configures Vertex from GOOGLE_APPLICATION_CREDENTIALS and GOOGLE_CLOUD_PROJECT, on the global location by default', () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json', GOOGLE_CLOUD_PROJECT: 'my-project-1' };
    const config = load(vendorConfigYaml(detect(env, { '/keys/sa.json': SERVICE_ACCOUNT }).hosts), env);
    expect(config.providers).toEqual({
      vertex: { protocol: 'vertex', project: 'my-project-1', region: 'global', credentials: '/keys/sa.json' },
    });
    expect(Object.keys(config.models)).toEqual([...CLAUDE_MODELS, ...GEMINI_MODELS]);
    expect(deploymentsOf(config, 'claude-sonnet-4.5')).toEqual(['vertex/claude-sonnet-4-5@20250929']);
    expect(deploymentsOf(config, 'gemini-2.5-flash')).toEqual(['vertex/gemini-2.5-flash']);
  });

  it("takes Vertex's project from the credentials file and its location from GOOGLE_CLOUD_LOCATION", () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json', GOOGLE_CLOUD_LOCATION: 'us-east5' };
    const found = detect(env, { '/keys/sa.json': SERVICE_ACCOUNT });
    expect(found.hosts[0]?.variables).toEqual(['GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_LOCATION']);
    expect(load(vendorConfigYaml(found.hosts), env).providers.vertex).toMatchObject({
      project: 'detour-test-project',
      region: 'us-east5',
    });
  });

  it('skips Vertex when the credentials file is missing, not a service account, or names no project', () => {
    const env = { GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json' };
    expect(detect(env).skipped).toEqual([
      'vertex: the GOOGLE_APPLICATION_CREDENTIALS file cannot be read as JSON',
    ]);
    expect(
      detect(env, { '/keys/sa.json': JSON.stringify({ type: 'authorized_user', refresh_token: 'r' }) })
        .skipped,
    ).toEqual(['vertex: the GOOGLE_APPLICATION_CREDENTIALS file is not a service-account key']);
    expect(detect(env, { '/keys/sa.json': JSON.stringify({ type: 'service_account' }) })).toEqual({
      hosts: [],
      skipped: ['vertex: no project (set GOOGLE_CLOUD_PROJECT; the credentials file names none)'],
    });
  });

  it('configures Gemini from GEMINI_API_KEY, else GOOGLE_API_KEY', () => {
    const env = { GEMINI_API_KEY: 'gemini-secret', GOOGLE_API_KEY: 'google-secret' };
    const config = load(vendorConfigYaml(detect(env).hosts), env);
    expect(config.providers).toEqual({
      gemini: {
        protocol: 'gemini',
        baseUrl: 'https://generativelanguage.googleapis.com',
        apiKey: 'gemini-secret',
      },
    });
    expect(Object.keys(config.models)).toEqual(GEMINI_MODELS);
    const googleOnly = { GOOGLE_API_KEY: 'google-secret' };
    expect(load(vendorConfigYaml(detect(googleOnly).hosts), googleOnly).providers.gemini).toMatchObject({
      apiKey: 'google-secret',
    });
  });

  it('puts one model on every host that serves it, in priority order, when every vendor is configured', () => {
    const env = {
      OPENAI_API_KEY: 'sk-openai-secret',
      ANTHROPIC_API_KEY: 'sk-ant-secret',
      AZURE_OPENAI_API_KEY: 'az-secret',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AWS_ACCESS_KEY_ID: 'AKIASECRETID',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
      GEMINI_API_KEY: 'gemini-secret',
    };
    const config = load(vendorConfigYaml(detect(env, { '/keys/sa.json': SERVICE_ACCOUNT }).hosts), env);
    expect(Object.keys(config.providers)).toEqual([
      'openai',
      'azure',
      'anthropic',
      'bedrock',
      'gemini',
      'vertex',
    ]);
    expect(deploymentsOf(config, 'claude-sonnet-4.5')).toEqual([
      'anthropic/claude-sonnet-4-5',
      'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'vertex/claude-sonnet-4-5@20250929',
    ]);
    expect(deploymentsOf(config, 'claude-opus-4.5')).toEqual([
      'anthropic/claude-opus-4-5',
      'bedrock/us.anthropic.claude-opus-4-5-20251101-v1:0',
      'vertex/claude-opus-4-5@20251101',
    ]);
    expect(deploymentsOf(config, 'gpt-5-mini')).toEqual(['openai/gpt-5-mini', 'azure/gpt-5-mini']);
    expect(deploymentsOf(config, 'gemini-2.5-pro')).toEqual([
      'gemini/gemini-2.5-pro',
      'vertex/gemini-2.5-pro',
    ]);
    const served = CATALOG_MODELS.filter((model) =>
      ['openai', 'azure', 'anthropic', 'bedrock', 'gemini', 'vertex'].some(
        (host) => model.ids[host] !== undefined,
      ),
    );
    expect(Object.keys(config.models)).toEqual(served.map((model) => model.name));
    expect(Object.keys(config.models).length).toBeGreaterThanOrEqual(40);
  });

  it('writes credentials as environment references, never their values', () => {
    const env = {
      OPENAI_API_KEY: 'sk-openai-secret',
      ANTHROPIC_API_KEY: 'sk-ant-secret',
      AZURE_OPENAI_API_KEY: 'az-secret',
      AZURE_OPENAI_ENDPOINT: 'https://contoso.openai.azure.com',
      AWS_ACCESS_KEY_ID: 'AKIASECRETID',
      AWS_SECRET_ACCESS_KEY: 'aws-secret',
      AWS_SESSION_TOKEN: 'aws-session-secret',
      GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
      GEMINI_API_KEY: 'gemini-secret',
    };
    const found = detect(env, { '/keys/sa.json': SERVICE_ACCOUNT });
    const text = [vendorConfigYaml(found.hosts), ...describeVendorHosts(found.hosts)].join('\n');
    for (const secret of [
      'sk-openai-secret',
      'sk-ant-secret',
      'az-secret',
      'AKIASECRETID',
      'aws-secret',
      'gemini-secret',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('PRIVATE KEY');
  });
});

describe('simulatorConfigYaml', () => {
  it('loads as an open sandbox on the simulator: auth off, every provider at its URL', () => {
    const config = parseConfig(
      simulatorConfigYaml('http://127.0.0.1:4010'),
      '<built-in simulator config>',
      {},
    );
    expect(config.auth.mode).toBe('off');
    expect(Object.values(config.providers).map((provider) => provider.baseUrl)).toEqual([
      'http://127.0.0.1:4010/hosts/sim-openai/v1',
      'http://127.0.0.1:4010/hosts/sim-cloud/v1',
      'http://127.0.0.1:4010/hosts/sim-anthropic',
    ]);
    expect(Object.keys(config.models)).toEqual(['gpt-5', 'gpt-5-mini', 'claude-sonnet-4.5']);
  });
});

describe('describeVendorHosts', () => {
  it('names each host and the variables it came from', () => {
    const hosts: DetectedHost[] = detect({
      ANTHROPIC_API_KEY: 'a',
      AWS_BEARER_TOKEN_BEDROCK: 'b',
      AWS_REGION: 'us-west-2',
    }).hosts;
    expect(describeVendorHosts(hosts)).toEqual([
      'anthropic from ANTHROPIC_API_KEY',
      'bedrock from AWS_BEARER_TOKEN_BEDROCK, AWS_REGION',
    ]);
  });
});
