import {
  assertNever,
  type ChatRequest,
  type ResponseFormat,
  type ToolChoice,
  type ToolDefinition,
} from '../../core/index.js';
import { asNumber } from '../narrow-json.js';
import { encodeContents } from './encode-contents.js';
import { encodeThinkingConfig } from './map-thinking.js';
import type {
  GeminiFunctionCallingConfig,
  GeminiFunctionDeclaration,
  GeminiGenerationConfig,
  GeminiRequestBody,
} from './types.js';

function encodeTool(tool: ToolDefinition): GeminiFunctionDeclaration {
  // `parametersJsonSchema` takes the client's JSON Schema as it is; the older `parameters` field
  // takes only an OpenAPI subset and would need a lossy conversion.
  const declaration: GeminiFunctionDeclaration = { name: tool.name, parametersJsonSchema: tool.parameters };
  if (tool.description !== undefined) declaration.description = tool.description;
  return declaration;
}

function encodeToolChoice(choice: ToolChoice): GeminiFunctionCallingConfig {
  switch (choice.type) {
    case 'auto':
      return { mode: 'AUTO' };
    case 'none':
      return { mode: 'NONE' };
    case 'required':
      return { mode: 'ANY' };
    case 'tool':
      return { mode: 'ANY', allowedFunctionNames: [choice.name] };
    default:
      return assertNever(choice);
  }
}

type JsonModeConfig = Pick<GeminiGenerationConfig, 'responseMimeType' | 'responseJsonSchema'>;

function encodeResponseFormat(format: ResponseFormat): JsonModeConfig {
  switch (format.type) {
    case 'text':
      return {};
    case 'json':
      return { responseMimeType: 'application/json' };
    case 'json_schema':
      // `responseJsonSchema` takes JSON Schema as the client wrote it (`responseSchema` only an
      // OpenAPI subset). The schema's name, description and `strict` have no Gemini field.
      return { responseMimeType: 'application/json', responseJsonSchema: format.schema };
    default:
      return assertNever(format);
  }
}

function encodeGenerationConfig(request: ChatRequest): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  // OpenAI's temperature range (0–2) is Gemini's; Anthropic's (0–1) fits inside it.
  if (request.temperature !== undefined) config.temperature = request.temperature;
  if (request.topP !== undefined) config.topP = request.topP;
  if (request.topK !== undefined) config.topK = request.topK;
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.stop !== undefined && request.stop.length > 0) config.stopSequences = request.stop;
  const seed = asNumber(request.vendorOptions['openai-chat']?.seed);
  if (seed !== undefined) config.seed = seed;
  if (request.responseFormat !== undefined)
    Object.assign(config, encodeResponseFormat(request.responseFormat));
  const thinking = encodeThinkingConfig(request);
  if (thinking !== undefined) config.thinkingConfig = thinking;
  return config;
}

/**
 * Encodes a canonical request as a `generateContent` body. The model goes in the URL path and
 * streaming is chosen by the method (`streamGenerateContent?alt=sse`), so neither is in the body.
 * Fields Gemini cannot honour keep the request off Gemini hosts before it gets here
 * (find-untranslatable-field.ts); hints with no Gemini field (`metadata.user`, a message's `name`)
 * are left out.
 * @see https://ai.google.dev/api/generate-content#request-body
 */
export function encodeGeminiRequest(request: ChatRequest, _upstreamModel: string): Record<string, unknown> {
  const body: GeminiRequestBody = { contents: encodeContents(request.messages) };
  const system = (request.system ?? []).filter((part) => part.text !== '');
  if (system.length > 0) {
    // The official SDK sends the system instruction with the role `user`; Gemini ignores it.
    body.systemInstruction = { role: 'user', parts: system.map((part) => ({ text: part.text })) };
  }
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = [{ functionDeclarations: request.tools.map(encodeTool) }];
    // A calling mode without declarations is meaningless to Gemini, as it is to OpenAI.
    if (request.toolChoice !== undefined) {
      body.toolConfig = { functionCallingConfig: encodeToolChoice(request.toolChoice) };
    }
  }
  const generationConfig = encodeGenerationConfig(request);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return { ...body };
}
