import { z } from 'zod';
import { parseDuration, parseSize } from '../core/index.js';
import type { DetourConfig, ProviderProtocol, RoutingStrategy, StoreConfig } from './detour-config.js';

/** Protocols an upstream provider may speak in this version. */
export const SUPPORTED_PROTOCOLS: readonly ProviderProtocol[] = [
  'openai-chat',
  'anthropic-messages',
  'azure-openai',
  'bedrock',
  'vertex',
  'gemini',
];

/** Routing strategies. */
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = [
  'priority',
  'weighted',
  'least-latency',
  'cost',
];

const DURATION_HINT = 'write e.g. 250ms, 30s, 5m, 1h or 30d, or a number of milliseconds';
const SIZE_HINT = 'write e.g. 512kb or 20mb, or a number of bytes';

function duration() {
  return z
    .union([z.string(), z.number()], { error: `expected a duration (${DURATION_HINT})` })
    .transform((value, context) => {
      const milliseconds = parseDuration(value);
      if (milliseconds === undefined || milliseconds <= 0) {
        context.addIssue({
          code: 'custom',
          message: `invalid duration ${JSON.stringify(value)} (${DURATION_HINT})`,
        });
        return z.NEVER;
      }
      return milliseconds;
    });
}

// A duration that may be zero (e.g. the first step of the traffic ramp starts at once).
function offset() {
  return z
    .union([z.string(), z.number()], { error: `expected a duration (${DURATION_HINT})` })
    .transform((value, context) => {
      const milliseconds = parseDuration(value);
      if (milliseconds === undefined || milliseconds < 0) {
        context.addIssue({
          code: 'custom',
          message: `invalid duration ${JSON.stringify(value)} (${DURATION_HINT})`,
        });
        return z.NEVER;
      }
      return milliseconds;
    });
}

function size() {
  return z
    .union([z.string(), z.number()], { error: `expected a size (${SIZE_HINT})` })
    .transform((value, context) => {
      const bytes = parseSize(value);
      if (bytes === undefined || bytes <= 0) {
        context.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(value)} (${SIZE_HINT})` });
        return z.NEVER;
      }
      return bytes;
    });
}

// Interpolated values stay strings (`port: ${PORT}`), so numeric fields also accept a numeric string.
function numeric<Schema extends z.ZodNumber>(schema: Schema) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*[-+]?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
    schema,
  );
}

const ratio = () => numeric(z.number().min(0).max(1));
const count = () => numeric(z.number().int().min(1));

const serverSchema = z
  .strictObject({
    port: numeric(z.number().int().min(0).max(65_535)).default(4000),
    host: z.string().min(1).default('127.0.0.1'),
    adminKey: z.string().min(1).optional(),
    bodyLimit: size().default(20 * 1024 * 1024),
    requestTimeout: duration().default(60_000),
    bodyTimeout: duration().default(30_000),
    maxConnectionsPerIp: count().default(1000),
  })
  .prefault({});

const protocolSchema = z.enum(SUPPORTED_PROTOCOLS as [ProviderProtocol, ...ProviderProtocol[]], {
  error: (issue) =>
    issue.input === undefined
      ? `protocol is required (supported now: ${SUPPORTED_PROTOCOLS.join(', ')})`
      : `unsupported protocol ${JSON.stringify(issue.input)} (supported now: ${SUPPORTED_PROTOCOLS.join(', ')})`,
});

const baseUrlSchema = z.string().transform((value, context) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    // The value is not echoed: a URL may carry credentials.
    context.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    return z.NEVER;
  }
  return value.replace(/\/+$/, '');
});

const headersSchema = z.record(z.string(), z.string()).optional();

/** The path of Azure OpenAI's v1 endpoint, which takes no api-version (providers/azure-openai reads it too). */
const AZURE_V1_PATH = /\/openai\/v1\/*$/;
const secretSchema = z.string().min(1);

/** Each kind's own fields (DESIGN.md section 10); a field of another kind is refused by name. */
const providerKindSchemas = [
  z.strictObject({
    protocol: z.literal('openai-chat'),
    baseUrl: baseUrlSchema,
    apiKey: secretSchema.optional(),
    headers: headersSchema,
    // How this OpenAI-compatible server continues a partial assistant turn, if it can (stream recovery).
    prefill: z.enum(['deepseek', 'vllm']).optional(),
  }),
  z.strictObject({
    protocol: z.literal('anthropic-messages'),
    baseUrl: baseUrlSchema,
    apiKey: secretSchema.optional(),
    headers: headersSchema,
    anthropicVersion: z.string().min(1).optional(),
  }),
  z.strictObject({
    protocol: z.literal('bedrock'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1')
      .optional(),
    baseUrl: baseUrlSchema.optional(),
    accessKeyId: secretSchema.optional(),
    secretAccessKey: secretSchema.optional(),
    sessionToken: secretSchema.optional(),
    apiKey: secretSchema.optional(),
    headers: headersSchema,
  }),
  z.strictObject({
    protocol: z.literal('vertex'),
    project: z.string().min(1),
    region: z
      .string()
      .regex(/^(global|[a-z]+-[a-z]+\d+)$/, 'must be a Google Cloud location such as us-east5 or global'),
    credentials: z.string().min(1),
    baseUrl: baseUrlSchema.optional(),
    headers: headersSchema,
  }),
  z.strictObject({
    protocol: z.literal('gemini'),
    baseUrl: baseUrlSchema.default('https://generativelanguage.googleapis.com'),
    apiKey: secretSchema,
    headers: headersSchema,
  }),
  z
    .strictObject({
      protocol: z.literal('azure-openai'),
      baseUrl: baseUrlSchema,
      apiKey: secretSchema,
      apiVersion: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'must be an api-version such as 2024-10-21')
        .optional(),
      headers: headersSchema,
    })
    .superRefine((provider, context) => {
      // Azure's v1 endpoint takes no api-version: a value there would be a key nothing reads.
      if (provider.apiVersion !== undefined && AZURE_V1_PATH.test(new URL(provider.baseUrl).pathname)) {
        context.addIssue({
          code: 'custom',
          path: ['apiVersion'],
          message:
            'does not apply to the Azure OpenAI v1 endpoint (a baseUrl ending in /openai/v1); remove it, or use the resource URL (https://NAME.openai.azure.com) for deployment URLs',
        });
      }
    }),
] as const;

// The protocol is checked on its own first: for a protocol Detour does not speak yet, the
// other fields (Bedrock's `region`, a missing `baseUrl`) would only bury the real problem.
const providerSchema = z
  .looseObject({ protocol: protocolSchema })
  .pipe(z.discriminatedUnion('protocol', providerKindSchemas));

const timeoutsShape = {
  connect: duration().default(5_000),
  firstToken: duration().default(20_000),
  // DESIGN.md section 6: a model the catalog marks as reasoning thinks before its first token.
  reasoningFirstToken: duration().default(60_000),
  idle: duration().default(30_000),
  total: duration().default(600_000),
  adaptiveFirstToken: z
    .strictObject({
      enabled: z.boolean().default(true),
      multiplier: numeric(z.number().min(1)).default(4),
      floor: duration().default(2_000),
      minSamples: count().default(50),
    })
    .prefault({}),
};

const partialTimeoutsSchema = z.strictObject({
  // Connections are pooled per host and shared by its models, so a per-model connect timeout
  // could not be honoured; it is refused rather than accepted and ignored.
  connect: z
    .never({ error: "is the host's, not the model's: set it in the global `timeouts.connect`" })
    .optional(),
  firstToken: duration().optional(),
  idle: duration().optional(),
  total: duration().optional(),
});

// Zero is a price too: a self-hosted model costs nothing per token, and says so rather than "unknown".
const pricePerMillion = () => numeric(z.number().min(0));

const deploymentSchema = z.strictObject({
  provider: z.string().min(1),
  model: z.string().min(1),
  weight: numeric(z.number().positive()).optional(),
  // Overrides the model catalog's price for this deployment (a negotiated rate, a model the
  // catalog does not know); USD per million tokens.
  price: z
    .strictObject({
      input: pricePerMillion(),
      output: pricePerMillion(),
      cachedInput: pricePerMillion().optional(),
      cacheWrite: pricePerMillion().optional(),
    })
    .optional(),
});

const strategySchema = z.enum(ROUTING_STRATEGIES as [RoutingStrategy, ...RoutingStrategy[]]);

const autoSchema = z.strictObject({
  among: z.array(z.string().min(1)).min(1, 'must list at least one candidate model'),
  prefer: z.enum(['cost', 'latency', 'balanced']).default('cost'),
});

const modelSchema = z
  .strictObject({
    // With `hosts`, deployments come from the model catalog (filled in where the gateway is built,
    // since config does not import the catalog); explicit ones override the catalog's per provider.
    // Absent on an `auto` model, which has no deployments of its own; filled in as [] below so
    // that every reader of deployments sees a list.
    deployments: z.array(deploymentSchema).optional(),
    hosts: z.array(z.string().min(1)).min(1, 'must name at least one provider').optional(),
    auto: autoSchema.optional(),
    fallbacks: z.array(z.string().min(1)).default([]),
    timeouts: partialTimeoutsSchema.optional(),
    strategy: strategySchema.optional(),
    description: z.string().optional(),
    contextWindow: count().optional(),
    // Request and response bodies in the request log: off unless a model opts in (DESIGN.md section 8).
    log: z.strictObject({ bodies: z.boolean().default(false) }).optional(),
    // Opt-in hedging (DESIGN.md section 6): a second attempt after the first deployment's own p95.
    hedging: z.strictObject({ maxShare: ratio().default(0.05), floor: duration().default(1_000) }).optional(),
    // What a quality alarm of this model's canaries does (DESIGN.md §7): tell operators (`alert`,
    // the default) or also try its deployment after healthy peers (`demote`).
    quality: z.strictObject({ onAlarm: z.enum(['demote', 'alert']).default('alert') }).optional(),
    // This model's stream recovery, over the global `streams`.
    streams: z
      .strictObject({
        recovery: z.enum(['error', 'continue']).optional(),
        acrossModels: z.boolean().optional(),
      })
      .optional(),
  })
  .superRefine((model, context) => {
    if (model.auto !== undefined) {
      if (model.deployments !== undefined || model.hosts !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['auto'],
          message:
            '`auto` cannot be set with `deployments` or `hosts`: an auto model routes among other models',
        });
      } else if (model.strategy !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['strategy'],
          message: "ranks a model's own deployments; an `auto` model has none (use `auto.prefer`)",
        });
      }
      return;
    }
    if ((model.deployments ?? []).length === 0 && model.hosts === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['deployments'],
        message:
          'must list at least one deployment (or name `hosts:` to take them from the model catalog, or be an `auto` model)',
      });
    }
  })
  .transform(({ deployments, ...rest }) => ({ ...rest, deployments: deployments ?? [] }));

const storeSchema = z
  .strictObject({ sqlite: z.string().min(1).optional(), postgres: z.string().min(1).optional() })
  .check((context) => {
    const { sqlite, postgres } = context.value;
    if ((sqlite === undefined) === (postgres === undefined)) {
      context.issues.push({
        code: 'custom',
        input: context.value,
        message: 'set exactly one of `sqlite` (a file path) or `postgres` (a connection URL)',
      });
    }
  })
  .transform(
    (value): StoreConfig =>
      value.postgres !== undefined
        ? { type: 'postgres', url: value.postgres }
        : { type: 'sqlite', path: value.sqlite ?? '' },
  )
  .prefault({ sqlite: './detour.db' });

/** The YAML document's schema (DESIGN.md section 9); built once, at module load. */
export const configSchema = z.strictObject({
  server: serverSchema,
  providers: z.record(z.string(), providerSchema),
  models: z.record(z.string(), modelSchema),
  routing: z.strictObject({ strategy: strategySchema.default('priority') }).prefault({}),
  timeouts: z.strictObject(timeoutsShape).prefault({}),
  retry: z
    .strictObject({
      maxAttempts: numeric(z.number().int().min(1).max(10)).default(3),
      budgetRatio: ratio().default(0.1),
      budgetMinConcurrent: count().default(3),
      backoffBase: duration().default(500),
      backoffMax: duration().default(8_000),
      maxRetryAfter: duration().default(3_000),
    })
    .prefault({}),
  health: z
    .strictObject({
      demotion: z
        .strictObject({
          failureRate: ratio().default(0.2),
          minRequests: count().default(20),
          window: duration().default(60_000),
        })
        .prefault({}),
      ejection: z
        .strictObject({
          consecutiveFailures: count().default(5),
          failureRate: ratio().default(0.5),
          minRequests: count().default(20),
          window: duration().default(60_000),
          baseTime: duration().default(30_000),
          maxTime: duration().default(300_000),
          jitter: ratio().default(0.1),
          decayInterval: duration().default(10_000),
        })
        .prefault({}),
      halfOpen: z
        .strictObject({
          trials: count().default(3),
          probeAfter: duration().default(5_000),
          trialTimeout: duration().default(120_000),
        })
        .prefault({}),
      ramp: z
        .array(z.strictObject({ after: offset(), weight: ratio() }))
        .min(1, 'must list at least one step')
        .default([
          { after: 0, weight: 0.1 },
          { after: 20_000, weight: 0.5 },
          { after: 60_000, weight: 1 },
        ]),
      coolDown: z
        .strictObject({ max: duration().default(60_000), default: duration().default(1_000) })
        .prefault({}),
      probes: z
        .strictObject({
          enabled: z.boolean().default(true),
          interval: duration().default(1_000),
          healthCheck: duration().default(10_000),
        })
        .prefault({}),
      slowness: z
        .strictObject({
          ratio: numeric(z.number().min(1)).default(2),
          exitRatio: numeric(z.number().min(1)).default(1.5),
          minCalls: count().default(50),
          window: duration().default(300_000),
          period: duration().default(60_000),
          minSamplesPerPeriod: count().default(5),
          warmupPeriods: count().default(5),
        })
        .prefault({}),
      panic: z
        .strictObject({ k: numeric(z.number().min(1)).default(2), window: duration().default(120_000) })
        .prefault({}),
    })
    .prefault({}),
  store: storeSchema,
  // Shared state for several replicas (DESIGN.md section 9); absent, limits and budget
  // reservations stay in this process.
  state: z
    .strictObject({
      redis: z
        .string()
        .min(1)
        .refine((value) => /^rediss?:\/\//.test(value), 'must be a redis:// or rediss:// URL'),
      // Every key Detour writes starts with this, so several gateways can share one Redis.
      keyPrefix: z.string().min(1).default('detour:'),
    })
    .optional(),
  // What the client sees when a stream breaks after content (DESIGN.md section 6).
  streams: z
    .strictObject({
      recovery: z.enum(['error', 'continue']).default('error'),
      acrossModels: z.boolean().default(false),
    })
    .prefault({}),
  // Client keys (DESIGN.md section 8): required with a config file unless written `mode: off`.
  auth: z
    .strictObject({
      mode: z.enum(['keys', 'off']).default('keys'),
      // How long a key read from the store is trusted: a key revoked on another replica is refused
      // within this time.
      cacheTtl: duration().default(1_000),
    })
    .prefault({}),
  log: z
    .strictObject({
      enabled: z.boolean().default(true),
      retention: duration().default(30 * 86_400_000),
      flushInterval: duration().default(1_000),
      batchSize: count().default(500),
      queueSize: count().default(10_000),
    })
    .prefault({}),
  status: z
    .strictObject({
      title: z.string().min(1).default('Detour status'),
      public: z.array(z.string().min(1)).optional(),
      interval: duration().default(5_000),
      enterAfter: duration().default(120_000),
      leaveAfter: duration().default(300_000),
      incidentAfter: duration().default(120_000),
      resolveAfter: duration().default(1_800_000),
    })
    .prefault({}),
  // OpenTelemetry traces (DESIGN.md section 4, server/telemetry); absent, no tracer exists at all.
  telemetry: z
    .strictObject({
      otlp: z.strictObject({
        // The collector's OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`.
        endpoint: baseUrlSchema,
        // Sent with every export (a vendor's API key): secrets, never echoed.
        headers: headersSchema,
        serviceName: z.string().min(1).default('detour'),
      }),
    })
    .optional(),
  // Quality canaries (DESIGN.md §7): fixed temperature-0 requests to every deployment, under a
  // monthly spend cap per provider.
  canaries: z
    .strictObject({
      enabled: z.boolean().default(true),
      every: duration().default(20_000),
      // Built-in suite names or paths of suite files; absent runs every built-in suite.
      suites: z.array(z.string().min(1)).min(1, 'must name at least one suite').optional(),
      // USD per provider per UTC month: `default` for every provider, or a provider's own.
      monthlyCapUsd: z
        .object({ default: numeric(z.number().min(0)).default(10) })
        .catchall(numeric(z.number().min(0)))
        .prefault({}),
    })
    .prefault({}),
  webhooks: z
    .array(
      z.strictObject({
        url: baseUrlSchema,
        secret: z.string().min(1).optional(),
        format: z.enum(['json', 'slack']).default('json'),
        events: z
          .array(z.enum(['component', 'incident', 'alert']))
          .min(1)
          .default(['component', 'incident', 'alert']),
      }),
    )
    .default([]),
});

/** What a config document may hold before defaults (durations and sizes still as written). */
export type DetourConfigInput = z.input<typeof configSchema>;

/** The validated document, before paths are resolved against the config's folder. */
export type ConfigBody = Omit<DetourConfig, 'configDir' | 'sourcePath'>;
