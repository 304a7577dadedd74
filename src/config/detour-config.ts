/** Kinds of upstream host (`protocol:` of a provider, DESIGN.md section 10). */
export type ProviderProtocol =
  | 'openai-chat'
  | 'anthropic-messages'
  | 'bedrock'
  | 'vertex'
  | 'gemini'
  | 'azure-openai';

/**
 * How a model's deployments are ranked before health reorders them (DESIGN.md section 7); `cost`
 * ranks by each deployment's price (its `price:`, else the catalog's).
 */
export type RoutingStrategy = 'priority' | 'weighted' | 'least-latency' | 'cost';

/** The HTTP listener. */
export interface ServerConfig {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Bearer key for the admin API; a secret. */
  adminKey?: string;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /**
   * Longest a client may take to send a whole request (headers and body), in milliseconds: Node's
   * own limit, answered with a bare 408. The outer bound around {@link bodyTimeout}.
   */
  requestTimeout: number;
  /**
   * Longest a request body may take to arrive once its headers have, in milliseconds; a slower one
   * gets 408 in the client's API format and its connection is closed. Shorter than
   * `requestTimeout` (30 s against 60 s by default), or the latter ends a stalled body first.
   */
  bodyTimeout: number;
  /**
   * Most connections open at once from one client address; more are closed as they arrive. Behind
   * a load balancer or proxy every client shares its address: raise it to the proxy's connection count.
   */
  maxConnectionsPerIp: number;
}

/** Fields every provider kind has. */
interface ProviderConfigBase {
  /** Extra request headers; values are treated as secrets. */
  headers?: Record<string, string>;
}

/** An OpenAI-compatible host. */
export interface OpenAiChatProviderConfig extends ProviderConfigBase {
  protocol: 'openai-chat';
  /** Base URL as OpenAI's SDK writes it (ends in `/v1`), without a trailing slash. */
  baseUrl: string;
  /** Bearer credential; a secret. */
  apiKey?: string;
  /** How the server continues a partial assistant turn: DeepSeek's `prefix` or vLLM's `continue_final_message`. */
  prefill?: 'deepseek' | 'vllm';
}

/** Anthropic's API. */
export interface AnthropicProviderConfig extends ProviderConfigBase {
  protocol: 'anthropic-messages';
  /** Base URL as Anthropic's SDK writes it (no `/v1`), without a trailing slash. */
  baseUrl: string;
  /** `x-api-key` credential; a secret. */
  apiKey?: string;
  /** `anthropic-version` header. */
  anthropicVersion?: string;
}

/** Amazon Bedrock runtime in one region. */
export interface BedrockProviderConfig extends ProviderConfigBase {
  protocol: 'bedrock';
  /** AWS region, e.g. `us-east-1`; else `AWS_REGION` from the environment. */
  region?: string;
  /** Overrides `https://bedrock-runtime.{region}.amazonaws.com`. */
  baseUrl?: string;
  /** SigV4 credentials; else `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`. */
  accessKeyId?: string;
  /** A secret. */
  secretAccessKey?: string;
  /** A secret. */
  sessionToken?: string;
  /** A Bedrock API key, sent as a bearer token instead of SigV4; a secret. */
  apiKey?: string;
}

/** Google Vertex AI in one project and location. */
export interface VertexProviderConfig extends ProviderConfigBase {
  protocol: 'vertex';
  /** Google Cloud project id. */
  project: string;
  /** Location, e.g. `us-east5`, or `global`. */
  region: string;
  /** Path of a service-account JSON file; its `token_uri` is honoured. */
  credentials: string;
  /** Overrides the regional or global endpoint. */
  baseUrl?: string;
}

/** Google's Gemini API. */
export interface GeminiProviderConfig extends ProviderConfigBase {
  protocol: 'gemini';
  /** Default `https://generativelanguage.googleapis.com`. */
  baseUrl: string;
  /** `x-goog-api-key` credential; a secret. */
  apiKey: string;
}

/** Azure OpenAI: one resource. */
export interface AzureOpenAiProviderConfig extends ProviderConfigBase {
  protocol: 'azure-openai';
  /** `https://NAME.openai.azure.com` (deployment URLs) or `…/openai/v1` (the v1 endpoint). */
  baseUrl: string;
  /** `api-key` credential; a secret. */
  apiKey: string;
  /** `api-version` of deployment URLs; unused with the v1 endpoint. */
  apiVersion?: string;
}

/** An upstream account, by kind. */
export type ProviderConfig =
  | OpenAiChatProviderConfig
  | AnthropicProviderConfig
  | BedrockProviderConfig
  | VertexProviderConfig
  | GeminiProviderConfig
  | AzureOpenAiProviderConfig;

/** One way to serve a model. */
export interface DeploymentConfig {
  /** Provider name, a key of {@link DetourConfig.providers}. */
  provider: string;
  /** The model id at that provider. */
  model: string;
  /** Relative share under the `weighted` strategy; 1 when absent. */
  weight?: number;
  /** Overrides the model catalog's price for this deployment, in USD per million tokens. */
  price?: DeploymentPrice;
}

/** A deployment's price, in USD per million tokens. */
export interface DeploymentPrice {
  /** An uncached prompt token. */
  input: number;
  /** A generated token. */
  output: number;
  /** A prompt token read from the cache; the input price when absent. */
  cachedInput?: number;
  /** A prompt token written to the cache; the input price when absent. */
  cacheWrite?: number;
}

/** Timeouts, in milliseconds (DESIGN.md section 6). */
export interface TimeoutsConfig {
  /** Establishing the connection. */
  connect: number;
  /** From sending the request to the first content, for models not known to reason. */
  firstToken: number;
  /** The same, for models the catalog marks as reasoning (`capabilities.reasoning`). */
  reasoningFirstToken: number;
  /** Between two stream chunks. */
  idle: number;
  /** The whole request. */
  total: number;
  /** A shorter first-token limit learned from each deployment's own times to first token. */
  adaptiveFirstToken: AdaptiveFirstTokenConfig;
}

/**
 * The adaptive first-token limit of a streamed attempt: `min(firstToken, max(floor, multiplier ×
 * the deployment's own p99 time to first token))`, once that p99 rests on `minSamples` samples and
 * only when another candidate could take the request.
 */
export interface AdaptiveFirstTokenConfig {
  /** On by default. */
  enabled: boolean;
  /** Multiple of the deployment's p99 time to first token. */
  multiplier: number;
  /** Lowest limit, in ms. */
  floor: number;
  /** Samples the p99 must rest on. */
  minSamples: number;
}

/** The timeouts a model may override. */
export type ModelTimeoutsConfig = Partial<Pick<TimeoutsConfig, 'firstToken' | 'idle' | 'total'>>;

/** How an `auto` model ranks its candidates (DESIGN.md section 10). */
export type AutoPreference = 'cost' | 'latency' | 'balanced';

/** An `auto` model's rule: route each request among these models. */
export interface AutoModelConfig {
  /** Candidate models (configured, not `auto` themselves), in the order that breaks ties. */
  among: string[];
  /** Rank by price (`cost`, the default), recent latency, or both (`balanced`). */
  prefer: AutoPreference;
}

/** A model as clients name it. */
export interface ModelConfig {
  /**
   * Deployments in config order (the order `priority` tries them). Empty only while `hosts` is
   * not yet filled in from the model catalog (the server does that before building routes).
   */
  deployments: DeploymentConfig[];
  /** Provider names whose deployments' ids come from the model catalog, in priority order. */
  hosts?: string[];
  /** Set instead of deployments: route each request among other models. */
  auto?: AutoModelConfig;
  /** The model's context window in tokens, overriding the catalog's. */
  contextWindow?: number;
  /** Other models, tried only after every deployment of this one. */
  fallbacks: string[];
  /** Per-model overrides of the global timeouts (`connect` is the host's, so global only). */
  timeouts?: ModelTimeoutsConfig;
  /** Overrides `routing.strategy` for this model. */
  strategy?: RoutingStrategy;
  /** Shown by `/v1/models`. */
  description?: string;
  /** What the request log keeps of this model's requests. */
  log?: ModelLogConfig;
  /** Hedging, when this model opted in: most hedges as a share of requests, and the shortest wait in ms. */
  hedging?: { maxShare: number; floor: number };
  /** This model's stream recovery; each field falls back to the global `streams`. */
  streams?: Partial<StreamsConfig>;
  /** What a canary quality alarm does for this model; absent = `alert`. */
  quality?: ModelQualityConfig;
}

/** Per-model reaction to a canary quality alarm (DESIGN.md §7). */
export interface ModelQualityConfig {
  /** `alert`: tell operators only; `demote`: also try the deployment after its healthy peers. */
  onAlarm: 'demote' | 'alert';
}

/** Quality canaries (DESIGN.md §7), durations in milliseconds. */
export interface CanariesConfig {
  /** Run canaries; default true. */
  enabled: boolean;
  /** Mean time between two canaries of one deployment (± 20 % jitter); default 20 s. */
  every: number;
  /** Built-in suite names or suite file paths (relative ones resolved against the config's folder); absent = every built-in suite. */
  suites?: string[];
  /** USD per provider per UTC calendar month: `default` (10) for every provider, or by provider name. */
  monthlyCapUsd: { default: number } & Record<string, number>;
}

/** Per-model request-log settings. */
export interface ModelLogConfig {
  /** Store request and response bodies (redacted, capped at 64 KiB each); default false. */
  bodies: boolean;
}

/** The request log (DESIGN.md section 8), durations in milliseconds. */
export interface LogConfig {
  /** Record one row per client request; default true. */
  enabled: boolean;
  /** Rows older than this are deleted (hourly); default 30 days. */
  retention: number;
  /** How often queued rows are written; default 1 s. */
  flushInterval: number;
  /** Most rows per write; a queue this long is written at once; default 500. */
  batchSize: number;
  /** Most rows waiting; beyond it rows are dropped, counted and logged; default 10 000. */
  queueSize: number;
}

/** What a client sees when a stream breaks after content (DESIGN.md section 6). */
export interface StreamsConfig {
  /** `error`: the stream ends with the protocol's error event; `continue`: it goes on from another host. */
  recovery: 'error' | 'continue';
  /** A continuation may move to the model's fallbacks (other models), not only its other hosts. */
  acrossModels: boolean;
}

/** Client keys (DESIGN.md section 8). */
export interface AuthConfig {
  /** `keys`: every request needs a client key (the default with a config file); `off`: open. */
  mode: 'keys' | 'off';
  /** How long a key read from the store is trusted before it is read again, in ms; default 1 s. */
  cacheTtl: number;
}

/** Deployment routing. */
export interface RoutingConfig {
  /** Ordering strategy. */
  strategy: RoutingStrategy;
}

/** Attempts and the retry budget. */
export interface RetryConfig {
  /** Attempts per request, 1..10. */
  maxAttempts: number;
  /** Share of requests per model that may be retries or fallbacks, 0..1. */
  budgetRatio: number;
  /** Retries always allowed in flight at once per model, however few requests there were. */
  budgetMinConcurrent: number;
  /** Full-jitter back-off base for a same-host retry, in milliseconds. */
  backoffBase: number;
  /** Back-off cap, in milliseconds. */
  backoffMax: number;
  /** Longest advertised `retry-after` Detour waits out inside a request, in milliseconds. */
  maxRetryAfter: number;
}

/** When a deployment is tried after its healthy peers. */
export interface DemotionConfig {
  /** Failure rate, 0..1, at or above which it is demoted. */
  failureRate: number;
  /** Calls in the window before the rate counts. */
  minRequests: number;
  /** Window length, in milliseconds. */
  window: number;
}

/** When a deployment's breaker opens. */
export interface EjectionConfig {
  /** Consecutive failures that eject at once. */
  consecutiveFailures: number;
  /** Failure rate, 0..1, at or above which it is ejected. */
  failureRate: number;
  /** Calls in the window before the rate counts. */
  minRequests: number;
  /** Window length, in milliseconds. */
  window: number;
  /** First ejection time, in milliseconds; multiplied by consecutive ejections. */
  baseTime: number;
  /** Longest ejection, in milliseconds. */
  maxTime: number;
  /** Up to this share is added to each ejection time at random, 0..1. */
  jitter: number;
  /** The ejection multiplier drops by one per this much healthy time, in milliseconds. */
  decayInterval: number;
}

/** Health and breaker knobs (DESIGN.md section 7). */
export interface HealthConfig {
  /** Demotion. */
  demotion: DemotionConfig;
  /** Ejection. */
  ejection: EjectionConfig;
  /**
   * Half-open trials; with no trial traffic for `probeAfter` ms the prober sends one; a trial lease
   * unsettled for `trialTimeout` ms is lost and the breaker opens again.
   */
  halfOpen: { trials: number; probeAfter: number; trialTimeout: number };
  /** Traffic ramp after a restore: from `after` ms on, the deployment takes `weight` of its traffic. */
  ramp: { after: number; weight: number }[];
  /** Rate-limit cool-downs, in milliseconds: cap of an advertised wait, and the wait without one. */
  coolDown: { max: number; default: number };
  /**
   * Active probes: how often the prober looks for work, and how often an ejected deployment gets a
   * health check whose pass ends its ejection early (0 = never).
   */
  probes: { enabled: boolean; interval: number; healthCheck: number };
  /** Slow-not-broken detection (durations in milliseconds). */
  slowness: {
    ratio: number;
    exitRatio: number;
    minCalls: number;
    window: number;
    period: number;
    minSamplesPerPeriod: number;
    warmupPeriods: number;
  };
  /** Panic-mode adaptive throttle (SRE book): multiplier K and history window in milliseconds. */
  panic: { k: number; window: number };
}

/** Where durable records go. */
export type StoreConfig =
  | {
      type: 'sqlite';
      /** Absolute database path (resolved against the config file's folder), or `:memory:`. */
      path: string;
    }
  | {
      type: 'postgres';
      /** Connection URL; may hold a password, so it is redacted in logs. */
      url: string;
    };

/** Where replicas share rate limits and budget reservations (DESIGN.md section 9). */
export interface StateConfig {
  /** `redis://` URL; may hold a password, so it is redacted in logs. */
  redis: string;
  /** Prefix of every key Detour writes; default `detour:`. */
  keyPrefix: string;
}

/** The status page and incident detector (DESIGN.md §7), durations in milliseconds. */
export interface StatusConfig {
  /** Page title. */
  title: string;
  /** Models shown on the public page and feeds; all when absent. */
  public?: string[];
  /** How often health is evaluated. */
  interval: number;
  /** A worse status is published after holding this long. */
  enterAfter: number;
  /** A better status is published after holding this long. */
  leaveAfter: number;
  /** An ejection or slowness must last this long to open an incident. */
  incidentAfter: number;
  /** An incident resolves after this long without trouble. */
  resolveAfter: number;
}

/** A webhook that receives status events. */
export interface WebhookConfig {
  /** Where events are POSTed. */
  url: string;
  /** HMAC-SHA256 signing key; a secret. */
  secret?: string;
  /** `json` (Detour's event) or `slack` (a `{ text }` message). */
  format: 'json' | 'slack';
  /** Event families sent. */
  events: Array<'component' | 'incident' | 'alert'>;
}

/** Where traces are exported over OTLP/HTTP (JSON). */
export interface OtlpConfig {
  /** The collector's base URL (`http://collector:4318`); spans are POSTed to `<endpoint>/v1/traces`. */
  endpoint: string;
  /** Headers sent with each export (a vendor's API key); secrets. */
  headers?: Record<string, string>;
  /** `service.name` of the exported resource; default `detour`. */
  serviceName: string;
}

/** OpenTelemetry (restart-only). */
export interface TelemetryConfig {
  /** OTLP/HTTP trace export. */
  otlp: OtlpConfig;
}

/** A loaded, validated, fully defaulted configuration; every duration is in milliseconds. */
export interface DetourConfig {
  /** HTTP listener. */
  server: ServerConfig;
  /** Upstream accounts by name. */
  providers: Record<string, ProviderConfig>;
  /** Models by the name clients ask for, in file order. */
  models: Record<string, ModelConfig>;
  /** Routing strategy. */
  routing: RoutingConfig;
  /** Global timeouts. */
  timeouts: TimeoutsConfig;
  /** Attempts and retry budget. */
  retry: RetryConfig;
  /** Health and breakers. */
  health: HealthConfig;
  /** Durable store. */
  store: StoreConfig;
  /** Shared state (Redis) for several replicas; absent, limits and budgets are this process's own. */
  state?: StateConfig;
  /** Stream recovery. */
  streams: StreamsConfig;
  /** Client keys. */
  auth: AuthConfig;
  /** Request log. */
  log: LogConfig;
  /** Status page and incident detection. */
  status: StatusConfig;
  /** Quality canaries. */
  canaries: CanariesConfig;
  /** Webhooks for status events. */
  webhooks: WebhookConfig[];
  /** Traces; absent, nothing is traced. */
  telemetry?: TelemetryConfig;
  /** Absolute folder that relative paths were resolved against. */
  configDir: string;
  /** Absolute path of the file it was read from, when it came from a file. */
  sourcePath?: string;
}
