import type { AssistantPart } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';

/**
 * Reads a Converse `reasoningContent` union: visible text with its signature, or encrypted
 * (redacted) reasoning as base64.
 */
function decodeReasoningContent(value: unknown): AssistantPart | undefined {
  const reasoning = asRecord(value);
  if (reasoning === undefined) return undefined;
  const redacted = asString(reasoning.redactedContent);
  if (redacted !== undefined) return { type: 'reasoning', text: '', redactedData: redacted };
  const visible = asRecord(reasoning.reasoningText);
  if (visible === undefined) return undefined;
  const text = asString(visible.text) ?? '';
  const signature = asString(visible.signature);
  return signature === undefined ? { type: 'reasoning', text } : { type: 'reasoning', text, signature };
}

/**
 * Reads one block of an assistant message leniently. Blocks with no canonical form (citations,
 * images, guard content, blocks added later) are skipped.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ContentBlock.html
 */
export function decodeContentBlock(value: unknown): AssistantPart | undefined {
  const block = asRecord(value);
  if (block === undefined) return undefined;
  const text = asString(block.text);
  if (text !== undefined) return { type: 'text', text };
  const toolUse = asRecord(block.toolUse);
  if (toolUse !== undefined) {
    return {
      type: 'tool_call',
      id: asString(toolUse.toolUseId) ?? '',
      name: asString(toolUse.name) ?? '',
      arguments: JSON.stringify(toolUse.input ?? {}),
    };
  }
  return decodeReasoningContent(block.reasoningContent);
}
