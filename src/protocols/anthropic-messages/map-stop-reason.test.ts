import { describe, expect, it } from 'vitest';
import type { FinishReason } from '../../core/index.js';
import { decodeStopReason, encodeStopReason } from './map-stop-reason.js';

describe('decodeStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
    ['some_future_reason', 'other'],
    ['', 'other'],
  ])('normalises %s to %s and keeps the raw value', (raw, unified) => {
    expect(decodeStopReason(raw)).toStrictEqual({ unified, raw });
  });
});

describe('encodeStopReason', () => {
  it.each<[FinishReason, string | undefined, string]>([
    [{ unified: 'stop', raw: 'end_turn' }, undefined, 'end_turn'],
    [{ unified: 'stop', raw: 'stop' }, undefined, 'end_turn'],
    [{ unified: 'stop', raw: 'stop' }, '###', 'stop_sequence'],
    [{ unified: 'stop', raw: 'stop_sequence' }, undefined, 'stop_sequence'],
    [{ unified: 'stop', raw: 'STOP' }, '', 'stop_sequence'],
    [{ unified: 'length', raw: 'length' }, undefined, 'max_tokens'],
    [{ unified: 'length', raw: 'model_context_window_exceeded' }, undefined, 'max_tokens'],
    [{ unified: 'tool_calls', raw: 'tool_calls' }, undefined, 'tool_use'],
    [{ unified: 'content_filter', raw: 'content_filter' }, undefined, 'refusal'],
    [{ unified: 'other', raw: 'pause_turn' }, undefined, 'pause_turn'],
    [{ unified: 'other', raw: 'MALFORMED_FUNCTION_CALL' }, undefined, 'end_turn'],
    [{ unified: 'error', raw: 'error' }, undefined, 'end_turn'],
    [{ unified: 'error', raw: 'pause_turn' }, undefined, 'pause_turn'],
  ])('encodes %o with stop sequence %s as %s', (reason, stopSequence, expected) => {
    expect(encodeStopReason(reason, stopSequence)).toBe(expected);
  });

  it('ignores a stop sequence when the stop was not a normal one', () => {
    expect(encodeStopReason({ unified: 'length', raw: 'max_tokens' }, '###')).toBe('max_tokens');
  });
});
