/**
 * ConverseStream decoding.
 *
 * Input contract. Bedrock streams are binary `application/vnd.amazon.eventstream` frames; the
 * provider layer splits and decodes them (with `@smithy/eventstream-codec`) and hands each one to
 * this decoder as an {@link SseMessage}:
 * - an event frame (`:message-type: event`) as `{ event: <:event-type>, data: <payload JSON text> }`,
 *   the event type being `messageStart`, `contentBlockStart`, `contentBlockDelta`,
 *   `contentBlockStop`, `messageStop` or `metadata`; the payload is the bare event struct, e.g.
 *   `{"contentBlockIndex":0,"delta":{"text":"Hi"},"p":"abcd"}` (`p` is Bedrock's random padding);
 * - an exception frame (`:message-type: exception`) as
 *   `{ event: 'exception:' + <:exception-type>, data: <payload JSON text> }`, e.g.
 *   `{ event: 'exception:throttlingException', data: '{"message":"Too many requests"}' }`.
 *   It becomes a canonical `error` event classified like its HTTP equivalent.
 *
 * Ending. `messageStop` carries the stop reason and yields the `finish` event; `metadata` comes last
 * with the usage and makes `done` true. A stream cut after `messageStop` and before `metadata` has
 * its answer complete (the relay accepts it on the `finish` event) but no usage; one cut before
 * `messageStop` is neither done nor finished, and the relay fails it as `bad_response`.
 */
import { DetourError, newId, type ReasoningDeltaEvent, type StreamEvent } from '../../core/index.js';
import type { SseMessage, StreamDecoder } from '../codec.js';
import { asNumber, asRecord, asString } from '../narrow-json.js';
import { classifyBedrockStreamException } from './decode-error.js';
import { decodeConverseStopReason } from './map-stop-reason.js';
import { decodeConverseUsage } from './map-usage.js';

const EXCEPTION_PREFIX = 'exception:';

function badResponse(message: string, cause?: unknown): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message, { cause });
}

/** An exception payload is read leniently: a body that is not JSON is the message itself. */
function parseExceptionPayload(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Decodes one ConverseStream into canonical events. */
class ConverseStreamDecoder implements StreamDecoder {
  private started = false;
  private stopped = false;
  private finished = false;
  /** Open tool-use blocks: Converse content block index → canonical tool-call index. */
  private readonly toolBlocks = new Map<number, number>();
  private toolCount = 0;

  get done(): boolean {
    return this.finished;
  }

  decode(message: SseMessage): StreamEvent[] {
    const type = message.event ?? '';
    if (type.startsWith(EXCEPTION_PREFIX)) {
      const error = classifyBedrockStreamException(
        type.slice(EXCEPTION_PREFIX.length),
        parseExceptionPayload(message.data),
      );
      return [{ type: 'error', error: error.toJSON() }];
    }
    if (message.data.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch (error) {
      throw badResponse('upstream stream event is not JSON', error);
    }
    const event = asRecord(parsed);
    if (event === undefined) throw badResponse('upstream stream event is not a JSON object');
    switch (type) {
      case 'messageStart':
        return this.start();
      case 'contentBlockStart':
        return this.blockStart(asNumber(event.contentBlockIndex) ?? 0, asRecord(event.start) ?? {});
      case 'contentBlockDelta':
        return this.blockDelta(asNumber(event.contentBlockIndex) ?? 0, asRecord(event.delta) ?? {});
      case 'contentBlockStop':
        return this.blockStop(asNumber(event.contentBlockIndex) ?? 0);
      case 'messageStop':
        return this.messageStop(asString(event.stopReason) ?? 'end_turn');
      case 'metadata':
        return this.metadata(event);
      default:
        // Event types added later carry nothing to relay.
        return [];
    }
  }

  /** `start` once, before anything else, even if a host skipped `messageStart`. */
  private start(): StreamEvent[] {
    if (this.started) return [];
    this.started = true;
    return [{ type: 'start', id: newId('msg'), model: '', created: Math.floor(Date.now() / 1000) }];
  }

  private blockStart(index: number, start: Record<string, unknown>): StreamEvent[] {
    const toolUse = asRecord(start.toolUse);
    // Text and reasoning blocks have no start event; image and tool-result starts carry no content.
    if (toolUse === undefined) return [];
    const toolIndex = this.toolCount;
    this.toolCount += 1;
    this.toolBlocks.set(index, toolIndex);
    return [
      ...this.start(),
      {
        type: 'tool_call_start',
        index: toolIndex,
        id: asString(toolUse.toolUseId) ?? newId('tooluse'),
        name: asString(toolUse.name) ?? '',
      },
    ];
  }

  private blockDelta(index: number, delta: Record<string, unknown>): StreamEvent[] {
    const text = asString(delta.text);
    if (text !== undefined) return text === '' ? [] : [...this.start(), { type: 'text_delta', text }];
    const toolUse = asRecord(delta.toolUse);
    if (toolUse !== undefined) {
      const toolIndex = this.toolBlocks.get(index);
      const piece = asString(toolUse.input) ?? '';
      return toolIndex === undefined || piece === ''
        ? []
        : [{ type: 'tool_call_delta', index: toolIndex, argumentsDelta: piece }];
    }
    const reasoning = asRecord(delta.reasoningContent);
    if (reasoning !== undefined) {
      // Unlike a response's block, a delta is flat: one of `text`, `signature`, `redactedContent`.
      const event: ReasoningDeltaEvent = { type: 'reasoning_delta', text: asString(reasoning.text) ?? '' };
      const signature = asString(reasoning.signature);
      if (signature !== undefined) event.signature = signature;
      const redacted = asString(reasoning.redactedContent);
      if (redacted !== undefined) event.redactedData = redacted;
      if (event.text === '' && signature === undefined && redacted === undefined) return [];
      return [...this.start(), event];
    }
    // Citations and later additions.
    return [];
  }

  private blockStop(index: number): StreamEvent[] {
    const toolIndex = this.toolBlocks.get(index);
    if (toolIndex === undefined) return [];
    this.toolBlocks.delete(index);
    return [{ type: 'tool_call_end', index: toolIndex }];
  }

  private messageStop(stopReason: string): StreamEvent[] {
    const events: StreamEvent[] = [...this.start()];
    for (const toolIndex of this.toolBlocks.values())
      events.push({ type: 'tool_call_end', index: toolIndex });
    this.toolBlocks.clear();
    this.stopped = true;
    events.push({ type: 'finish', finishReason: decodeConverseStopReason(stopReason) });
    return events;
  }

  private metadata(event: Record<string, unknown>): StreamEvent[] {
    // Metadata without a stop before it does not end an answer: the relay then fails the stream.
    if (this.stopped) this.finished = true;
    const usage = decodeConverseUsage(event.usage);
    return usage === undefined ? [] : [{ type: 'usage', usage }];
  }
}

/**
 * A decoder for one ConverseStream (`messageStart` … `messageStop`, `metadata`), fed decoded
 * event-stream frames as described at the top of this file.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export function createConverseStreamDecoder(): StreamDecoder {
  return new ConverseStreamDecoder();
}

/**
 * `contentBlockDelta` events carry only content (text, tool input, reasoning); stops, usage and
 * exceptions come as other event types. Judged from the event type alone.
 */
export function isPlainConverseDelta(message: SseMessage): boolean {
  return message.event === 'contentBlockDelta';
}
