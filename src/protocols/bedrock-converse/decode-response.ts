import { type AssistantPart, type ChatResponse, DetourError, newId } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';
import { decodeContentBlock } from './decode-content-block.js';
import { decodeConverseStopReason } from './map-stop-reason.js';
import { decodeConverseUsage } from './map-usage.js';

function badResponse(message: string): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message);
}

/**
 * Decodes a Converse response leniently. Throws `bad_response` when it holds no message. The body
 * names neither the response nor the model: the id is made up here and `model` is empty, for the
 * provider to fill in with the deployment's model id.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
export function decodeConverseResponse(body: unknown): ChatResponse {
  const root = asRecord(body);
  if (root === undefined) throw badResponse('upstream response is not a JSON object');
  const message = asRecord(asRecord(root.output)?.message);
  if (message === undefined || !Array.isArray(message.content)) {
    throw badResponse('upstream response has no output message');
  }
  return {
    id: newId('msg'),
    model: '',
    created: Math.floor(Date.now() / 1000),
    content: message.content
      .map(decodeContentBlock)
      .filter((part): part is AssistantPart => part !== undefined),
    finishReason: decodeConverseStopReason(asString(root.stopReason) ?? 'end_turn'),
    usage: decodeConverseUsage(root.usage) ?? { inputTokens: 0, outputTokens: 0 },
  };
}
