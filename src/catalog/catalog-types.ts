/**
 * The model catalog's types: what a model is, what it can do, what it costs and what each host
 * calls it. The data lives in `models.yaml` beside this file; these are its validated shapes.
 */

/** The provider kinds a catalog host can be (a config's `protocol:`). */
export type HostKind =
  | 'openai-chat'
  | 'anthropic-messages'
  | 'bedrock'
  | 'vertex'
  | 'gemini'
  | 'azure-openai';

/** A host that serves catalog models: its kind and, for OpenAI-compatible resellers, its base URL. */
export interface CatalogHost {
  /** The host's name in the catalog (`openai`, `bedrock`, `groq`, ...). */
  name: string;
  /** Its provider kind. */
  kind: HostKind;
  /** The base URL as the vendor's SDK writes it, when the kind has a fixed one. */
  baseUrl?: string;
}

/** Prices in USD per million tokens. */
export interface TokenPrice {
  /** A prompt token that was neither read from nor written to a cache. */
  input: number;
  /** A generated token (reasoning included). */
  output: number;
  /** A prompt token read from the cache; the input price when absent. */
  cachedInput?: number;
  /** A prompt token written to the cache; the input price when absent. */
  cacheWrite?: number;
}

/** Kinds of content a model reads or writes. */
export type Modality = 'text' | 'image' | 'audio' | 'video';

/** What a model can do. */
export interface ModelCapabilities {
  /** Calls tools (functions). */
  tools: boolean;
  /** Calls several tools in one turn. */
  parallelTools: boolean;
  /** Answers constrained to a JSON schema. */
  jsonSchema: boolean;
  /** Reads images. */
  vision: boolean;
  /** Thinks before it answers (reasoning tokens or a thinking budget). */
  reasoning: boolean;
  /** Continues a partial assistant turn written by the client (prefill). */
  prefill: boolean;
}

/** Bedrock cross-region inference profile geographies (the id prefix). */
export type BedrockGeography = 'us' | 'eu' | 'apac' | 'global';

/** One model of the catalog. */
export interface CatalogModel {
  /** Detour's name for it, what clients ask for (`claude-sonnet-4.5`). */
  name: string;
  /** Its family (`claude-sonnet`, `gpt-5`). */
  family: string;
  /** Who made it (`anthropic`, `openai`, `google`, `meta`, ...). */
  vendor: string;
  /** Longest prompt plus answer, in tokens. */
  contextWindow: number;
  /** Longest answer, in tokens. */
  maxOutput: number;
  /** What it reads and writes. */
  modalities: { input: Modality[]; output: Modality[] };
  /** What it can do. */
  capabilities: ModelCapabilities;
  /** The price at its own vendor (or, for open weights, at its first host). */
  price: TokenPrice;
  /** Hosts that charge otherwise, by host name. */
  hostPrices: Readonly<Record<string, TokenPrice>>;
  /** The model id at each host that serves it, by host name (Bedrock: the base id). */
  ids: Readonly<Record<string, string>>;
  /** Bedrock: the inference profile geographies it is served through; empty = on-demand base id. */
  bedrockProfiles: BedrockGeography[];
  /** When the prices were read (YYYY-MM-DD). */
  pricesAsOf: string;
  /** The page they were read from. */
  source: string;
  /** Every figure was read on the vendor's own page; false = some need checking (see notes). */
  verified: boolean;
  /** What is unverified or not modelled. */
  notes?: string;
}
