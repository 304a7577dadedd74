import { assertNever, type ChatRequest, type ToolChoice } from '../../core/index.js';
import { closeJsonSchema } from './close-json-schema.js';
import { encodeConverseMessages } from './encode-messages.js';
import { type ConverseModelFamily, modelFamilyOf } from './model-family.js';

/** True when the conversation already holds tool calls or results. */
export function hasToolBlocks(request: ChatRequest): boolean {
  return request.messages.some((message) =>
    message.content.some((part) => part.type === 'tool_call' || part.type === 'tool_result'),
  );
}

function encodeToolChoice(choice: ToolChoice): Record<string, unknown> | undefined {
  switch (choice.type) {
    case 'auto':
      return { auto: {} };
    case 'required':
      return { any: {} };
    case 'tool':
      return { tool: { name: choice.name } };
    case 'none':
      // Converse has no "none"; see `encodeToolConfig`.
      return undefined;
    default:
      return assertNever(choice);
  }
}

/**
 * `toolConfig`, or undefined when the model gets no tools. Converse has no `none` choice: with no
 * tool blocks in the conversation, leaving the tools out is the faithful equivalent. Converse
 * refuses tool blocks without a `toolConfig`, so when the conversation has some, `none` cannot be
 * expressed and `findConverseUntranslatableContent` keeps the request off Converse hosts; should
 * one get here anyway, the tools go with the model's default choice.
 */
function encodeToolConfig(request: ChatRequest): Record<string, unknown> | undefined {
  const tools = request.tools ?? [];
  if (tools.length === 0) return undefined;
  if (request.toolChoice?.type === 'none' && !hasToolBlocks(request)) return undefined;
  const config: Record<string, unknown> = {
    // `strict` is left out: only some Converse models take it, and the others refuse the request.
    tools: tools.map((tool) => {
      const spec: Record<string, unknown> = { name: tool.name, inputSchema: { json: tool.parameters } };
      if (tool.description !== undefined) spec.description = tool.description;
      return { toolSpec: spec };
    }),
  };
  const choice = request.toolChoice === undefined ? undefined : encodeToolChoice(request.toolChoice);
  if (choice !== undefined) config.toolChoice = choice;
  return config;
}

/**
 * Converse's native structured output for a JSON schema. The schema travels as a JSON *string*.
 * JSON mode without a schema has no Converse equivalent (Bedrock constrains only to a closed
 * schema) and is kept off Converse hosts by `findConverseUntranslatableContent`.
 */
function encodeOutputConfig(request: ChatRequest): Record<string, unknown> | undefined {
  const format = request.responseFormat;
  if (format?.type !== 'json_schema') return undefined;
  const jsonSchema: Record<string, unknown> = {
    schema: JSON.stringify(closeJsonSchema(format.schema) ?? format.schema),
    name: format.name,
  };
  if (format.description !== undefined) jsonSchema.description = format.description;
  return { textFormat: { type: 'json_schema', structure: { jsonSchema } } };
}

/**
 * Converse has no `topK`; each maker takes it under its own name in `additionalModelRequestFields`.
 * For makers whose name for it is not known (or that have none, like Llama), it is dropped: a
 * sampling hint, as for OpenAI hosts. A field a model does not know would fail the request.
 */
function encodeTopK(topK: number, family: ConverseModelFamily): Record<string, unknown> | undefined {
  switch (family) {
    case 'anthropic':
      return { top_k: topK };
    case 'nova':
      return { inferenceConfig: { topK } };
    case 'other':
      return undefined;
    default:
      return assertNever(family);
  }
}

function encodeInferenceConfig(request: ChatRequest): Record<string, unknown> | undefined {
  const config: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) config.maxTokens = request.maxTokens;
  // OpenAI's range is 0–2, Converse's 0–1: the top of OpenAI's range maps to Converse's top.
  if (request.temperature !== undefined) config.temperature = Math.min(request.temperature, 1);
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = request.stop;
  return Object.keys(config).length > 0 ? config : undefined;
}

/**
 * Encodes a canonical request as a Converse / ConverseStream body. The model id and the choice of
 * streaming are in the URL path (`/model/{id}/converse` or `/converse-stream`), not in the body;
 * `upstreamModel` only picks the maker-specific spelling of a few fields. `metadata` is dropped (a
 * label, not content; Converse's `requestMetadata` is for invocation logs and restricts characters).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export function encodeConverseRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown> {
  const family = modelFamilyOf(upstreamModel);
  const body: Record<string, unknown> = { messages: encodeConverseMessages(request.messages, family) };
  const system = (request.system ?? [])
    .filter((part) => part.text.trim() !== '')
    .map((part) => ({ text: part.text }));
  if (system.length > 0) body.system = system;
  const inferenceConfig = encodeInferenceConfig(request);
  if (inferenceConfig !== undefined) body.inferenceConfig = inferenceConfig;
  const toolConfig = encodeToolConfig(request);
  if (toolConfig !== undefined) body.toolConfig = toolConfig;
  const outputConfig = encodeOutputConfig(request);
  if (outputConfig !== undefined) body.outputConfig = outputConfig;
  const additional = request.topK === undefined ? undefined : encodeTopK(request.topK, family);
  if (additional !== undefined) body.additionalModelRequestFields = additional;
  return body;
}
