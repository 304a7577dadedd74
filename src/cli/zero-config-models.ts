/**
 * The hosts `detour start` can configure from the environment, in priority order: a model served
 * by several of them gets one deployment per host in this order, so the vendor's own API comes
 * first and the clouds that host the same model follow (Claude: Anthropic, then Bedrock, then
 * Vertex; GPT: OpenAI, then Azure; Gemini: the Gemini API, then Vertex).
 */
export const ZERO_CONFIG_HOSTS = ['openai', 'azure', 'anthropic', 'bedrock', 'gemini', 'vertex'] as const;

/** A host of {@link ZERO_CONFIG_HOSTS}; also the provider's name in the generated config. */
export type ZeroConfigHost = (typeof ZERO_CONFIG_HOSTS)[number];

/** One model zero-config offers: the name clients ask for and its id at each host that serves it. */
export interface ZeroConfigModel {
  /** The model name clients send. */
  name: string;
  /**
   * The id at each host. Bedrock's is the base model id; the cross-region inference profile
   * prefix (`us.`, `eu.`, `global.`) is added for the configured region, because Bedrock serves
   * these Claude models only through an inference profile. Azure's is the deployment name, which
   * by convention is the model's name: create the deployments under these names (or write a config).
   */
  ids: Partial<Record<ZeroConfigHost, string>>;
}

/**
 * The models zero-config offers: a few current ones per vendor, each id checked against the
 * vendor's model list (OpenAI's models page; Anthropic's Bedrock and Vertex AI model tables;
 * Google's Gemini API and Vertex AI model pages). Only ids that every listed host serves are
 * here; a config file can name any other.
 */
export const ZERO_CONFIG_MODELS: readonly ZeroConfigModel[] = [
  { name: 'gpt-5', ids: { openai: 'gpt-5', azure: 'gpt-5' } },
  { name: 'gpt-5-mini', ids: { openai: 'gpt-5-mini', azure: 'gpt-5-mini' } },
  { name: 'gpt-5-nano', ids: { openai: 'gpt-5-nano', azure: 'gpt-5-nano' } },
  { name: 'gpt-4.1', ids: { openai: 'gpt-4.1', azure: 'gpt-4.1' } },
  { name: 'gpt-4o-mini', ids: { openai: 'gpt-4o-mini', azure: 'gpt-4o-mini' } },
  {
    name: 'claude-opus-4.5',
    ids: {
      anthropic: 'claude-opus-4-5',
      bedrock: 'anthropic.claude-opus-4-5-20251101-v1:0',
      vertex: 'claude-opus-4-5@20251101',
    },
  },
  {
    name: 'claude-sonnet-4.5',
    ids: {
      anthropic: 'claude-sonnet-4-5',
      bedrock: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      vertex: 'claude-sonnet-4-5@20250929',
    },
  },
  {
    name: 'claude-haiku-4.5',
    ids: {
      anthropic: 'claude-haiku-4-5',
      bedrock: 'anthropic.claude-haiku-4-5-20251001-v1:0',
      vertex: 'claude-haiku-4-5@20251001',
    },
  },
  { name: 'gemini-2.5-pro', ids: { gemini: 'gemini-2.5-pro', vertex: 'gemini-2.5-pro' } },
  { name: 'gemini-2.5-flash', ids: { gemini: 'gemini-2.5-flash', vertex: 'gemini-2.5-flash' } },
  {
    name: 'gemini-2.5-flash-lite',
    ids: { gemini: 'gemini-2.5-flash-lite', vertex: 'gemini-2.5-flash-lite' },
  },
];

/**
 * The cross-region inference profile prefix for a Bedrock region: `us.` and `eu.` in those
 * geographies, else `global.` (Anthropic's Bedrock table lists global profiles for each model
 * above, but no `apac.` ones for the newer of them).
 */
export function bedrockProfilePrefix(region: string): string {
  if (/^us-(east|west)-\d+$/.test(region)) return 'us';
  if (/^eu-[a-z]+-\d+$/.test(region)) return 'eu';
  return 'global';
}
