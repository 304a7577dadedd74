import {
  assertNever,
  DetourError,
  type FinishReason,
  newId,
  type StreamEvent,
  type Usage,
} from '../../core/index.js';
import type { StreamEncoder, StreamEncoderOptions } from '../codec.js';
import { formatSseEvent } from '../sse.js';
import { encodeAnthropicStreamError } from './encode-error.js';
import { encodeStopReason } from './map-stop-reason.js';
import { encodeAnthropicUsage } from './map-usage.js';

function event(type: string, data: Record<string, unknown>): string {
  return formatSseEvent({ event: type, data: JSON.stringify({ type, ...data }) });
}

/** Encodes canonical events as the Messages stream events Anthropic sends. */
class AnthropicStreamEncoder implements StreamEncoder {
  private id = '';
  private model = '';
  private started = false;
  private nextBlock = 0;
  /**
   * The open content block. Anthropic's stream has one at a time (start, deltas, stop, then the
   * next), so starting a block stops the open one, a tool block too: an OpenAI host sends every
   * tool call's end only at its finish, after the next call has started.
   */
  private open: { kind: 'text' | 'thinking' | 'tool'; block: number } | undefined;
  /** The block of every tool call started, by canonical tool-call index. */
  private readonly toolBlocks = new Map<number, number>();
  private usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private stop: { reason: FinishReason; sequence: string | undefined } | undefined;

  constructor(resume: boolean) {
    if (resume) {
      // The client has message_start and an open text block 0 from the host that began the answer
      // (a continuation only follows a text-only start, so the text block is the first).
      this.started = true;
      this.open = { kind: 'text', block: 0 };
      this.nextBlock = 1;
    }
  }

  encode(input: StreamEvent): string {
    switch (input.type) {
      case 'start':
        this.id = input.id;
        this.model = input.model;
        return this.start();
      case 'text_delta':
        if (input.text === '') return '';
        return (
          this.start() +
          this.openBlock('text') +
          event('content_block_delta', {
            index: this.open!.block,
            delta: { type: 'text_delta', text: input.text },
          })
        );
      case 'reasoning_delta':
        return this.start() + this.reasoning(input.text, input.signature, input.redactedData);
      case 'tool_call_start': {
        const block = this.nextBlock;
        this.nextBlock += 1;
        this.toolBlocks.set(input.index, block);
        const closed = this.closeOpen();
        this.open = { kind: 'tool', block };
        return (
          this.start() +
          closed +
          event('content_block_start', {
            index: block,
            content_block: { type: 'tool_use', id: input.id, name: input.name, input: {} },
          })
        );
      }
      case 'tool_call_delta': {
        // A delta of a call whose block was stopped (a host interleaving parallel calls' arguments)
        // still goes to that block's index, where clients gather a block's deltas: better than
        // losing arguments, which the one-block-at-a-time form cannot place elsewhere.
        const block = this.toolBlocks.get(input.index);
        if (block === undefined || input.argumentsDelta === '') return '';
        return event('content_block_delta', {
          index: block,
          delta: { type: 'input_json_delta', partial_json: input.argumentsDelta },
        });
      }
      case 'tool_call_end': {
        const open = this.open;
        return open?.kind === 'tool' && open.block === this.toolBlocks.get(input.index)
          ? this.closeOpen()
          : '';
      }
      case 'usage':
        this.usage = input.usage;
        return '';
      case 'finish':
        // The stop goes out with the final usage in `end()`: OpenAI hosts send usage after the finish.
        this.stop = { reason: input.finishReason, sequence: input.stopSequence };
        return this.start() + this.closeOpen();
      case 'error':
        return encodeAnthropicStreamError(DetourError.fromShape(input.error));
      default:
        return assertNever(input);
    }
  }

  end(): string {
    const reason = this.stop?.reason ?? { unified: 'stop', raw: 'end_turn' };
    const sequence = this.stop?.sequence;
    const usage = encodeAnthropicUsage(this.usage);
    return (
      this.start() +
      this.closeOpen() +
      event('message_delta', {
        delta: { stop_reason: encodeStopReason(reason, sequence), stop_sequence: sequence ?? null },
        usage,
      }) +
      event('message_stop', {})
    );
  }

  /** `message_start` (once), before anything else. */
  private start(): string {
    if (this.started) return '';
    this.started = true;
    if (this.id === '') this.id = newId('msg');
    return event('message_start', {
      message: {
        id: this.id,
        type: 'message',
        role: 'assistant',
        model: this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: encodeAnthropicUsage(this.usage),
      },
    });
  }

  private reasoning(text: string, signature: string | undefined, redactedData: string | undefined): string {
    if (redactedData !== undefined) {
      const block = this.nextBlock;
      this.nextBlock += 1;
      return (
        this.closeOpen() +
        event('content_block_start', {
          index: block,
          content_block: { type: 'redacted_thinking', data: redactedData },
        }) +
        event('content_block_stop', { index: block })
      );
    }
    let out = this.openBlock('thinking');
    const index = this.open!.block;
    if (text !== '')
      out += event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: text } });
    if (signature !== undefined) {
      out += event('content_block_delta', { index, delta: { type: 'signature_delta', signature } });
    }
    return out;
  }

  /** Makes sure a block of this kind is the open one. */
  private openBlock(kind: 'text' | 'thinking'): string {
    if (this.open?.kind === kind) return '';
    const closed = this.closeOpen();
    const block = this.nextBlock;
    this.nextBlock += 1;
    this.open = { kind, block };
    const contentBlock = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '' };
    return closed + event('content_block_start', { index: block, content_block: contentBlock });
  }

  private closeOpen(): string {
    if (this.open === undefined) return '';
    const { block } = this.open;
    this.open = undefined;
    return event('content_block_stop', { index: block });
  }
}

/**
 * An encoder for one client stream in Anthropic's Messages stream format.
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
export function createAnthropicStreamEncoder(options?: StreamEncoderOptions): StreamEncoder {
  return new AnthropicStreamEncoder(options?.resume === true);
}
