import { DetourError, newId, type StreamEvent } from '../../core/index.js';
import type { SseMessage, StreamDecoder } from '../codec.js';
import { asNumber, asRecord, asString } from '../narrow-json.js';
import { classifyStreamError } from './classify-stream-error.js';
import { decodeFinishReason } from './map-finish-reason.js';
import { decodeUsage } from './map-usage.js';

function badResponse(message: string, cause?: unknown): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message, { cause });
}

/** Decodes one upstream Chat Completions stream into canonical events. */
class OpenaiStreamDecoder implements StreamDecoder {
  private finished = false;
  private started = false;
  /** Indexes of tool calls that have started and not yet ended, in the order they started. */
  private readonly openToolCalls = new Set<number>();

  get done(): boolean {
    return this.finished;
  }

  decode(message: SseMessage): StreamEvent[] {
    const data = message.data.trim();
    if (data === '[DONE]') {
      this.finished = true;
      return [];
    }
    if (data === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch (error) {
      throw badResponse('upstream stream chunk is not JSON', error);
    }
    const chunk = asRecord(parsed);
    if (chunk === undefined) throw badResponse('upstream stream chunk is not a JSON object');
    if (chunk.error !== undefined && chunk.error !== null) {
      return [{ type: 'error', error: classifyStreamError(chunk).toJSON() }];
    }

    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    const usage = decodeUsage(chunk.usage);
    // Azure sends a first chunk with only prompt filter results (empty id and model, no choices):
    // it says nothing about the answer, so the stream starts with the next one.
    if (!this.started && choices.length === 0 && usage === undefined) return [];

    const events: StreamEvent[] = [];
    if (!this.started) {
      this.started = true;
      events.push({
        type: 'start',
        id: asString(chunk.id) ?? '',
        model: asString(chunk.model) ?? '',
        created: asNumber(chunk.created) ?? 0,
      });
    }
    // Only choice 0 is relayed: Detour answers with one choice.
    const choice = asRecord(choices.find((item) => asRecord(item)?.index === 0) ?? choices[0]);
    const delta = asRecord(choice?.delta);
    if (delta !== undefined) this.decodeDelta(delta, events);

    const finishReason = asString(choice?.finish_reason);
    if (finishReason !== undefined) {
      for (const index of this.openToolCalls) events.push({ type: 'tool_call_end', index });
      this.openToolCalls.clear();
    }
    // Usage before finish when a host sends both in one chunk: encoders that write usage with the
    // stop (Anthropic's message_delta) then have it in time.
    if (usage !== undefined) events.push({ type: 'usage', usage });
    if (finishReason !== undefined)
      events.push({ type: 'finish', finishReason: decodeFinishReason(finishReason) });
    return events;
  }

  private decodeDelta(delta: Record<string, unknown>, events: StreamEvent[]): void {
    // `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter): compatible hosts' reasoning text.
    const reasoning = asString(delta.reasoning_content) ?? asString(delta.reasoning);
    if (reasoning !== undefined && reasoning !== '')
      events.push({ type: 'reasoning_delta', text: reasoning });
    const text = asString(delta.content);
    if (text !== undefined && text !== '') events.push({ type: 'text_delta', text });
    const refusal = asString(delta.refusal);
    if (refusal !== undefined && refusal !== '') events.push({ type: 'text_delta', text: refusal });
    if (!Array.isArray(delta.tool_calls)) return;
    delta.tool_calls.forEach((item: unknown, position: number) => {
      const call = asRecord(item);
      if (call === undefined) return;
      const index = asNumber(call.index) ?? position;
      const fn = asRecord(call.function);
      if (!this.openToolCalls.has(index)) {
        this.openToolCalls.add(index);
        events.push({
          type: 'tool_call_start',
          index,
          id: asString(call.id) ?? newId('call'),
          name: asString(fn?.name) ?? '',
        });
      }
      const argumentsDelta = asString(fn?.arguments);
      if (argumentsDelta !== undefined && argumentsDelta !== '') {
        events.push({ type: 'tool_call_delta', index, argumentsDelta });
      }
    });
  }
}

/**
 * A decoder for one upstream stream of `chat.completion.chunk` events, ended by `data: [DONE]`.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function createOpenaiStreamDecoder(): StreamDecoder {
  return new OpenaiStreamDecoder();
}

/**
 * A chunk is a plain delta unless its raw text has an `error` key, a non-null `finish_reason`, a
 * `usage` object or is the terminator. Content text cannot fake these: inside JSON strings quotes
 * are escaped, so `"error"` with bare quotes only appears as a key.
 */
export function isPlainOpenaiDelta(message: SseMessage): boolean {
  const data = message.data;
  return (
    data !== '[DONE]' &&
    !data.includes('"error"') &&
    // Hosts that write JSON with spaces (Python's json.dumps) put them after the colon.
    !FINISH_SET.test(data) &&
    !USAGE_SET.test(data)
  );
}

const FINISH_SET = /"finish_reason"\s*:\s*"/;
const USAGE_SET = /"usage"\s*:\s*\{/;
