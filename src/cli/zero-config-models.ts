/**
 * The hosts `detour start` can configure from the environment, in priority order: a model served
 * by several of them gets one deployment per host in this order, so the vendor's own API comes
 * first and the clouds that host the same model follow (Claude: Anthropic, then Bedrock, then
 * Vertex; GPT: OpenAI, then Azure; Gemini: the Gemini API, then Vertex).
 */
export const ZERO_CONFIG_HOSTS = ['openai', 'azure', 'anthropic', 'bedrock', 'gemini', 'vertex'] as const;

/** A host of {@link ZERO_CONFIG_HOSTS}; also the provider's name in the generated config. */
export type ZeroConfigHost = (typeof ZERO_CONFIG_HOSTS)[number];

// The models themselves, their ids at each host and the Bedrock profile rule are the model
// catalog's (src/catalog/models.yaml): every catalog model a detected host serves is configured.
