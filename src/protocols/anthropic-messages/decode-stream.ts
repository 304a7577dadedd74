import { DetourError, newId, type StreamEvent, type Usage } from '../../core/index.js';
import type { SseMessage, StreamDecoder } from '../codec.js';
import { asNumber, asRecord, asString } from '../narrow-json.js';
import { classifyAnthropicStreamError } from './decode-error.js';
import { unwrapJsonModeStop } from './decode-response.js';
import { JSON_MODE_TOOL_NAME } from './json-mode-tool.js';
import { decodeStopReason } from './map-stop-reason.js';
import { decodeAnthropicUsage } from './map-usage.js';

function badResponse(message: string, cause?: unknown): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message, { cause });
}

/** What an open content block is, by its Anthropic index. */
type OpenBlock = { kind: 'text' | 'thinking' | 'json' } | { kind: 'tool'; toolIndex: number };

/** Decodes one upstream Messages stream into canonical events. */
class AnthropicStreamDecoder implements StreamDecoder {
  private finished = false;
  private readonly blocks = new Map<number, OpenBlock>();
  private toolCount = 0;
  private jsonMode = false;
  /** Usage so far: `message_start` has the input, `message_delta` the output. */
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };

  get done(): boolean {
    return this.finished;
  }

  decode(message: SseMessage): StreamEvent[] {
    if (message.data.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch (error) {
      throw badResponse('upstream stream event is not JSON', error);
    }
    const event = asRecord(parsed);
    if (event === undefined) throw badResponse('upstream stream event is not a JSON object');
    switch (asString(event.type) ?? message.event) {
      case 'message_start':
        return this.start(asRecord(event.message) ?? {});
      case 'content_block_start':
        return this.blockStart(asNumber(event.index) ?? 0, asRecord(event.content_block) ?? {});
      case 'content_block_delta':
        return this.blockDelta(asNumber(event.index) ?? 0, asRecord(event.delta) ?? {});
      case 'content_block_stop':
        return this.blockStop(asNumber(event.index) ?? 0);
      case 'message_delta':
        return this.messageDelta(event);
      case 'message_stop':
        this.finished = true;
        return [];
      case 'error':
        return [{ type: 'error', error: classifyAnthropicStreamError(event).toJSON() }];
      default:
        // `ping` and event types added later carry nothing to relay.
        return [];
    }
  }

  private start(message: Record<string, unknown>): StreamEvent[] {
    const usage = decodeAnthropicUsage(message.usage);
    if (usage !== undefined) this.usage = usage;
    const events: StreamEvent[] = [
      {
        type: 'start',
        id: asString(message.id) ?? newId('msg'),
        model: asString(message.model) ?? '',
        created: Math.floor(Date.now() / 1000),
      },
    ];
    if (usage !== undefined) events.push({ type: 'usage', usage: { ...this.usage } });
    return events;
  }

  private blockStart(index: number, block: Record<string, unknown>): StreamEvent[] {
    switch (block.type) {
      case 'text': {
        this.blocks.set(index, { kind: 'text' });
        const text = asString(block.text) ?? '';
        return text === '' ? [] : [{ type: 'text_delta', text }];
      }
      case 'thinking':
        this.blocks.set(index, { kind: 'thinking' });
        return [];
      case 'redacted_thinking':
        return [{ type: 'reasoning_delta', text: '', redactedData: asString(block.data) ?? '' }];
      case 'tool_use': {
        if (block.name === JSON_MODE_TOOL_NAME) {
          this.jsonMode = true;
          this.blocks.set(index, { kind: 'json' });
          return [];
        }
        const toolIndex = this.toolCount;
        this.toolCount += 1;
        this.blocks.set(index, { kind: 'tool', toolIndex });
        return [
          {
            type: 'tool_call_start',
            index: toolIndex,
            id: asString(block.id) ?? newId('toolu'),
            name: asString(block.name) ?? '',
          },
        ];
      }
      default:
        // Server tools' blocks have no canonical form.
        return [];
    }
  }

  private blockDelta(index: number, delta: Record<string, unknown>): StreamEvent[] {
    const block = this.blocks.get(index);
    switch (delta.type) {
      case 'text_delta': {
        const text = asString(delta.text) ?? '';
        return text === '' ? [] : [{ type: 'text_delta', text }];
      }
      case 'input_json_delta': {
        const piece = asString(delta.partial_json) ?? '';
        if (piece === '' || block === undefined) return [];
        if (block.kind === 'json') return [{ type: 'text_delta', text: piece }];
        return block.kind === 'tool'
          ? [{ type: 'tool_call_delta', index: block.toolIndex, argumentsDelta: piece }]
          : [];
      }
      case 'thinking_delta':
        return [{ type: 'reasoning_delta', text: asString(delta.thinking) ?? '' }];
      case 'signature_delta':
        return [{ type: 'reasoning_delta', text: '', signature: asString(delta.signature) ?? '' }];
      default:
        // `citations_delta` and later additions.
        return [];
    }
  }

  private blockStop(index: number): StreamEvent[] {
    const block = this.blocks.get(index);
    this.blocks.delete(index);
    return block?.kind === 'tool' ? [{ type: 'tool_call_end', index: block.toolIndex }] : [];
  }

  private messageDelta(event: Record<string, unknown>): StreamEvent[] {
    const events: StreamEvent[] = [];
    const usage = asRecord(event.usage);
    if (usage !== undefined) {
      const output = asNumber(usage.output_tokens);
      if (output !== undefined) this.usage.outputTokens = output;
      // Newer API versions repeat the (final) input counts here.
      const input = asNumber(usage.input_tokens) === undefined ? undefined : decodeAnthropicUsage(usage);
      if (input !== undefined) {
        this.usage.inputTokens = input.inputTokens;
        if (input.cacheReadTokens !== undefined) this.usage.cacheReadTokens = input.cacheReadTokens;
        if (input.cacheWriteTokens !== undefined) this.usage.cacheWriteTokens = input.cacheWriteTokens;
      }
      events.push({ type: 'usage', usage: { ...this.usage } });
    }
    const delta = asRecord(event.delta);
    const stopReason = asString(delta?.stop_reason);
    if (stopReason !== undefined) {
      for (const [index, block] of this.blocks) {
        if (block.kind === 'tool') events.push({ type: 'tool_call_end', index: block.toolIndex });
        this.blocks.delete(index);
      }
      const finish: StreamEvent = {
        type: 'finish',
        finishReason: unwrapJsonModeStop(decodeStopReason(stopReason), this.jsonMode),
      };
      const stopSequence = asString(delta?.stop_sequence);
      if (stopSequence !== undefined) finish.stopSequence = stopSequence;
      events.push(finish);
    }
    return events;
  }
}

/**
 * A decoder for one upstream Messages stream (`message_start` … `message_stop`).
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
export function createAnthropicStreamDecoder(): StreamDecoder {
  return new AnthropicStreamDecoder();
}

/**
 * `content_block_delta` events carry only content (text, tool input, thinking, signatures); stops,
 * usage and errors come in other event types. Judged from the SSE `event:` field alone.
 */
export function isPlainAnthropicDelta(message: SseMessage): boolean {
  return message.event === 'content_block_delta';
}
