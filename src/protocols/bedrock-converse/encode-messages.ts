import { assertNever, type ImagePart, type Message, type Part } from '../../core/index.js';
import { parseToolInput } from '../parse-tool-input.js';
import { encodeImageFormat } from './map-image-format.js';
import type { ConverseModelFamily } from './model-family.js';

/** What a tool result that returned nothing says, since Converse will not take an empty one. */
export const EMPTY_TOOL_RESULT = '(empty result)';

/** One Converse content block: an object with exactly one key (a union member). */
export type ConverseBlock = Record<string, unknown>;

/** One Converse message. */
export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseBlock[];
}

/**
 * Inline bytes only: Converse has no URL source (S3 locations aside), and only four formats. Other
 * images never get here, because `findConverseUntranslatableContent` keeps such requests off
 * Converse hosts.
 */
function encodeImage(part: ImagePart): ConverseBlock | undefined {
  if (part.source.type !== 'base64') return undefined;
  const format = encodeImageFormat(part.source.mediaType);
  if (format === undefined) return undefined;
  return { image: { format, source: { bytes: part.source.data } } };
}

function encodePart(part: Part, family: ConverseModelFamily): ConverseBlock | undefined {
  switch (part.type) {
    case 'text':
      // Converse rejects text blocks that are empty or whitespace only.
      return part.text.trim() === '' ? undefined : { text: part.text };
    case 'image':
      return encodeImage(part);
    case 'tool_call':
      return { toolUse: { toolUseId: part.id, name: part.name, input: parseToolInput(part.arguments) } };
    case 'tool_result': {
      const content = part.content.flatMap((item) => {
        const block = item.type === 'text' ? encodePart(item, family) : encodeImage(item);
        return block === undefined ? [] : [block];
      });
      const result: Record<string, unknown> = {
        toolUseId: part.toolCallId,
        // Several models (and every model for a failed result) reject a result without content.
        content: content.length > 0 ? content : [{ text: EMPTY_TOOL_RESULT }],
      };
      // Only Nova and Claude take `status`; other models reject the request when it is there.
      if (part.isError && family !== 'other') result.status = 'error';
      return { toolResult: result };
    }
    case 'reasoning':
      // Reasoning goes back only as the vendor signed or encrypted it: unsigned reasoning (another
      // vendor's, or a model that signs nothing) cannot be verified and is left out.
      if (part.redactedData !== undefined)
        return { reasoningContent: { redactedContent: part.redactedData } };
      if (part.signature !== undefined)
        return { reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } };
      return undefined;
    default:
      return assertNever(part);
  }
}

/**
 * Converse wants alternating user and assistant turns: tool results travel in user turns, turns of
 * the same role merge, and tool results open their turn (Claude requires it of tool results).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
 */
export function encodeConverseMessages(
  messages: readonly Message[],
  family: ConverseModelFamily,
): ConverseMessage[] {
  const encoded: ConverseMessage[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = message.content
      .map((part) => encodePart(part, family))
      .filter((block): block is ConverseBlock => block !== undefined);
    if (blocks.length === 0) continue;
    const previous = encoded.at(-1);
    if (previous?.role === role) {
      const isResult = (block: ConverseBlock) => 'toolResult' in block;
      previous.content = [
        ...previous.content.filter(isResult),
        ...blocks.filter(isResult),
        ...previous.content.filter((block) => !isResult(block)),
        ...blocks.filter((block) => !isResult(block)),
      ];
    } else {
      encoded.push({ role, content: blocks });
    }
  }
  return encoded;
}
