import type { SseMessage } from './codec.js';

/** Formats one Server-Sent Event. `data` must not contain raw newlines (JSON.stringify never emits them). */
export function formatSseEvent(message: SseMessage): string {
  return message.event === undefined
    ? `data: ${message.data}\n\n`
    : `event: ${message.event}\ndata: ${message.data}\n\n`;
}
