import { describe, expect, it } from 'vitest';
import { readAnthropicStopReason } from './read-stop-reason.js';

describe('readAnthropicStopReason', () => {
  it("reads a body's stop_reason, normalised and raw", () => {
    expect(readAnthropicStopReason({ id: 'msg_01', content: [], stop_reason: 'max_tokens' })).toStrictEqual({
      unified: 'length',
      raw: 'max_tokens',
    });
    expect(readAnthropicStopReason({ stop_reason: 'pause_turn' })).toStrictEqual({
      unified: 'other',
      raw: 'pause_turn',
    });
  });

  it('reads nothing when stop_reason is null, missing or not a string, or the body is not an object', () => {
    expect(readAnthropicStopReason({ stop_reason: null })).toBeUndefined();
    expect(readAnthropicStopReason({ content: [] })).toBeUndefined();
    expect(readAnthropicStopReason({ stop_reason: 1 })).toBeUndefined();
    expect(readAnthropicStopReason('end_turn')).toBeUndefined();
    expect(readAnthropicStopReason(undefined)).toBeUndefined();
  });
});
