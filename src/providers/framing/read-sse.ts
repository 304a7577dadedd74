import { createParser } from 'eventsource-parser';
import type { SseMessage } from '../../protocols/index.js';

/** Splits an upstream byte stream into SSE messages (text/event-stream framing). */
export async function* readSseMessages(body: AsyncIterable<Buffer | string>): AsyncGenerator<SseMessage> {
  const queue: SseMessage[] = [];
  const parser = createParser({
    onEvent: (event) => {
      queue.push(event.event === undefined ? { data: event.data } : { event: event.event, data: event.data });
    },
  });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    while (queue.length > 0) yield queue.shift()!;
  }
}
