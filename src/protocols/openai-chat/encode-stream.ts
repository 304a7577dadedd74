import { assertNever, DetourError, newId, type StreamEvent, type Usage } from '../../core/index.js';
import type { StreamEncoder, StreamEncoderOptions } from '../codec.js';
import { formatSseEvent } from '../sse.js';
import { encodeOpenaiStreamError } from './encode-error.js';
import { encodeFinishReason } from './map-finish-reason.js';
import { encodeUsage } from './map-usage.js';
import type { OpenaiChatCompletionChunk, OpenaiChunkDelta } from './types.js';

const DONE = formatSseEvent({ data: '[DONE]' });

/** Encodes canonical events as the `chat.completion.chunk` events OpenAI sends. */
class OpenaiStreamEncoder implements StreamEncoder {
  private id = '';
  private model = '';
  private created = 0;
  private started = false;
  /** The latest counts; OpenAI sends usage once, in a last chunk after the finish. */
  private usage: Usage | undefined;

  constructor(
    private readonly includeUsage: boolean,
    resume: boolean,
  ) {
    // The role chunk went out with the answer's start, on the host that began it.
    this.started = resume;
  }

  encode(event: StreamEvent): string {
    switch (event.type) {
      case 'start':
        this.id = event.id;
        this.model = event.model;
        this.created = event.created;
        return this.start();
      case 'text_delta':
        return event.text === '' ? '' : this.start() + this.chunk({ content: event.text });
      case 'reasoning_delta':
        // Signatures and redacted reasoning have no OpenAI form; visible reasoning goes where
        // OpenAI-compatible hosts put it.
        return event.text === '' ? '' : this.start() + this.chunk({ reasoning_content: event.text });
      case 'tool_call_start':
        return (
          this.start() +
          this.chunk({
            tool_calls: [
              {
                index: event.index,
                id: event.id,
                type: 'function',
                function: { name: event.name, arguments: '' },
              },
            ],
          })
        );
      case 'tool_call_delta':
        return event.argumentsDelta === ''
          ? ''
          : this.start() +
              this.chunk({
                tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }],
              });
      case 'tool_call_end':
        return '';
      case 'usage':
        this.usage = event.usage;
        return '';
      case 'finish':
        return this.start() + this.chunk({}, encodeFinishReason(event.finishReason));
      case 'error':
        return encodeOpenaiStreamError(DetourError.fromShape(event.error));
      default:
        return assertNever(event);
    }
  }

  end(): string {
    if (!this.includeUsage || this.usage === undefined) return DONE;
    const last: OpenaiChatCompletionChunk = {
      ...this.envelope(),
      choices: [],
      usage: encodeUsage(this.usage),
    };
    return formatSseEvent({ data: JSON.stringify(last) }) + DONE;
  }

  /** The first chunk (once): OpenAI opens every stream with the role and empty content. */
  private start(): string {
    if (this.started) return '';
    this.started = true;
    return this.chunk({ role: 'assistant', content: '' });
  }

  private envelope(): Omit<OpenaiChatCompletionChunk, 'choices'> {
    // Without a `start` event an id is still needed for the client to tell streams apart.
    if (this.id === '') this.id = newId('chatcmpl');
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }

  private chunk(delta: OpenaiChunkDelta, finishReason: string | null = null): string {
    const chunk: OpenaiChatCompletionChunk = {
      ...this.envelope(),
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    // With include_usage, OpenAI sends `usage: null` on every chunk but the last.
    if (this.includeUsage) chunk.usage = null;
    return formatSseEvent({ data: JSON.stringify(chunk) });
  }
}

/**
 * An encoder for one client stream in OpenAI's `chat.completion.chunk` format.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function createOpenaiStreamEncoder(options: StreamEncoderOptions): StreamEncoder {
  return new OpenaiStreamEncoder(options.includeUsage, options.resume === true);
}
