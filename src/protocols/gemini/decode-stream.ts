import { DetourError, type StreamEvent, type Usage } from '../../core/index.js';
import type { SseMessage, StreamDecoder } from '../codec.js';
import { asRecord, asString } from '../narrow-json.js';
import { classifyGeminiStreamError } from './decode-error.js';
import { decodeParts, syntheticToolCallId } from './decode-parts.js';
import { createdSeconds, firstCandidate, promptBlockReason } from './decode-response.js';
import { decodeBlockReason, decodeFinishReason } from './map-finish-reason.js';
import { decodeGeminiUsage } from './map-usage.js';

function badResponse(message: string, cause?: unknown): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message, { cause });
}

function sameUsage(a: Usage | undefined, b: Usage): boolean {
  return (
    a !== undefined &&
    a.inputTokens === b.inputTokens &&
    a.outputTokens === b.outputTokens &&
    a.cacheReadTokens === b.cacheReadTokens &&
    a.reasoningTokens === b.reasoningTokens
  );
}

/**
 * Decodes one upstream `streamGenerateContent?alt=sse` stream. Every SSE message holds a whole
 * `GenerateContentResponse` whose parts are only what is new. Gemini has no terminator event: the
 * chunk that carries a `finishReason` (or a prompt's `blockReason`) is the last, and it also carries
 * the final usage.
 */
class GeminiStreamDecoder implements StreamDecoder {
  private finished = false;
  private started = false;
  private toolCount = 0;
  /** The usage last emitted: Gemini repeats its counts on every chunk, Detour relays changes. */
  private usage: Usage | undefined;

  get done(): boolean {
    return this.finished;
  }

  decode(message: SseMessage): StreamEvent[] {
    const data = message.data.trim();
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
      return [{ type: 'error', error: classifyGeminiStreamError(chunk).toJSON() }];
    }

    const events: StreamEvent[] = [];
    const responseId = asString(chunk.responseId);
    if (!this.started) {
      this.started = true;
      events.push({
        type: 'start',
        id: responseId ?? '',
        model: asString(chunk.modelVersion) ?? '',
        created: createdSeconds(chunk.createTime),
      });
    }
    const candidate = firstCandidate(chunk);
    for (const part of decodeParts(candidate?.content)) {
      switch (part.type) {
        case 'text':
          events.push({ type: 'text_delta', text: part.text });
          break;
        case 'reasoning':
          events.push(
            part.signature === undefined
              ? { type: 'reasoning_delta', text: part.text }
              : { type: 'reasoning_delta', text: part.text, signature: part.signature },
          );
          break;
        case 'call': {
          // Gemini sends each call whole, in one part: it starts and ends here.
          const index = this.toolCount;
          this.toolCount += 1;
          const id = part.id ?? syntheticToolCallId(responseId, index);
          events.push({ type: 'tool_call_start', index, id, name: part.name });
          events.push({ type: 'tool_call_delta', index, argumentsDelta: part.arguments });
          events.push({ type: 'tool_call_end', index });
          break;
        }
      }
    }

    const usage = decodeGeminiUsage(chunk.usageMetadata);
    if (usage !== undefined && !sameUsage(this.usage, usage)) {
      this.usage = usage;
      events.push({ type: 'usage', usage: { ...usage } });
    }
    const finishReason = asString(candidate?.finishReason);
    const blockReason = candidate === undefined ? promptBlockReason(chunk) : undefined;
    if (finishReason !== undefined) {
      this.finished = true;
      events.push({ type: 'finish', finishReason: decodeFinishReason(finishReason, this.toolCount > 0) });
    } else if (blockReason !== undefined) {
      this.finished = true;
      events.push({ type: 'finish', finishReason: decodeBlockReason(blockReason) });
    }
    return events;
  }
}

/**
 * A decoder for one upstream Gemini stream.
 * @see https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
 */
export function createGeminiStreamDecoder(): StreamDecoder {
  return new GeminiStreamDecoder();
}

/**
 * Never: Gemini is no client's protocol, so no Gemini chunk is ever forwarded untouched, and almost
 * every chunk carries usage anyway.
 */
export function isPlainGeminiDelta(_message: SseMessage): boolean {
  return false;
}
