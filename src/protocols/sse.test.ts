import { describe, expect, it } from 'vitest';
import { formatSseEvent } from './sse.js';

describe('formatSseEvent', () => {
  it('writes a data-only event, and an event line before the data when the event is named', () => {
    expect(formatSseEvent({ data: '{"a":1}' })).toBe('data: {"a":1}\n\n');
    expect(formatSseEvent({ event: 'message_stop', data: '{}' })).toBe('event: message_stop\ndata: {}\n\n');
  });
});
