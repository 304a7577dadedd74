/** The API version of every Vertex AI call Detour makes. */
export const VERTEX_API_VERSION = 'v1';

/**
 * Vertex AI's endpoint for a location: the regional host (`us-east5-aiplatform.googleapis.com`),
 * or the global one for `global`.
 * @see https://cloud.google.com/vertex-ai/docs/reference/rest#service-endpoint
 */
export function vertexEndpoint(region: string): string {
  return region === 'global'
    ? 'https://aiplatform.googleapis.com'
    : `https://${region}-aiplatform.googleapis.com`;
}

/**
 * Which models on Vertex are Anthropic's: their ids start with `claude` (`claude-sonnet-4@20250514`,
 * `claude-opus-4-1`). They are served from the `anthropic` publisher in Anthropic's Messages
 * format; every other model is taken to be Google's own, in the `gemini` format.
 */
export function isVertexClaudeModel(model: string): boolean {
  return model.startsWith('claude');
}

/** A model id as a path segment; `@` (as in `claude-sonnet-4@20250514`) stays as Vertex writes it. */
function modelSegment(model: string): string {
  return encodeURIComponent(model).replaceAll('%40', '@');
}

/**
 * The path of one call, after `…/projects/{p}/locations/{l}`: Anthropic models use `:rawPredict`
 * and `:streamRawPredict`, Google's `:generateContent` and `:streamGenerateContent?alt=sse`.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
export function vertexModelPath(model: string, stream: boolean): string {
  if (isVertexClaudeModel(model)) {
    return `/publishers/anthropic/models/${modelSegment(model)}:${stream ? 'streamRawPredict' : 'rawPredict'}`;
  }
  return `/publishers/google/models/${modelSegment(model)}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
}
