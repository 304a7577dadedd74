import type { ChatRequest, ImagePart } from '../../core/index.js';
import { closeJsonSchema } from './close-json-schema.js';
import { hasToolBlocks } from './encode-request.js';
import { encodeImageFormat } from './map-image-format.js';

/** A client field a Converse host cannot honour, and why. */
export interface ConverseUntranslatable {
  /** The client's field name. */
  field: string;
  /** Why Converse cannot express it. */
  reason: string;
}

function images(request: ChatRequest): ImagePart[] {
  return request.messages.flatMap((message) =>
    message.content.flatMap((part) => {
      if (part.type === 'image') return [part];
      if (part.type === 'tool_result') return part.content.filter((item) => item.type === 'image');
      return [];
    }),
  );
}

function findUntranslatableImage(request: ChatRequest): ConverseUntranslatable | undefined {
  for (const image of images(request)) {
    if (image.source.type === 'url') {
      return {
        field: 'messages',
        reason: 'Bedrock Converse takes images only as inline bytes (base64), not by URL',
      };
    }
    if (encodeImageFormat(image.source.mediaType) === undefined) {
      return {
        field: 'messages',
        reason: `Bedrock Converse takes png, jpeg, gif and webp images only, not ${image.source.mediaType}`,
      };
    }
  }
  return undefined;
}

/**
 * What in a canonical request a Converse host cannot honour, though another protocol could: the
 * request is then not sent to a Converse host. Field names are the client's (OpenAI's when the
 * client spoke OpenAI).
 */
export function findConverseUntranslatableContent(request: ChatRequest): ConverseUntranslatable | undefined {
  const format = request.responseFormat;
  if (format?.type === 'json') {
    return {
      field: 'response_format',
      reason:
        'Bedrock Converse constrains answers to a JSON schema only; JSON mode without a schema has no equivalent',
    };
  }
  if (format?.type === 'json_schema' && closeJsonSchema(format.schema) === undefined) {
    return {
      field: 'response_format',
      reason:
        'Bedrock Converse needs every object in the schema closed (additionalProperties: false); this schema leaves one open',
    };
  }
  // Converse refuses tool calls and results in a conversation unless `toolConfig` declares tools.
  if (hasToolBlocks(request)) {
    if ((request.tools?.length ?? 0) === 0) {
      return {
        field: 'tools',
        reason: 'Bedrock Converse needs the tools declared when the conversation holds tool calls',
      };
    }
    if (request.toolChoice?.type === 'none') {
      return {
        field: 'tool_choice',
        reason:
          'Bedrock Converse has no tool choice "none", and a conversation with tool calls must declare its tools',
      };
    }
  }
  if (request.parallelToolCalls === false && (request.tools?.length ?? 0) > 0) {
    return {
      field: request.vendorOptions['openai-chat'] === undefined ? 'tool_choice' : 'parallel_tool_calls',
      reason: 'Bedrock Converse cannot limit the model to one tool call per turn',
    };
  }
  return findUntranslatableImage(request);
}
