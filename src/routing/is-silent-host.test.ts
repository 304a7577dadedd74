import { describe, expect, it } from 'vitest';
import { DetourError, type FailureClass, type TimeoutKind } from '../core/index.js';
import { isSilentHost, SILENT_SHARE } from './is-silent-host.js';

function error(failureClass: FailureClass, timeout?: TimeoutKind): DetourError {
  return new DetourError(
    'upstream_server_error',
    failureClass,
    'failed',
    timeout === undefined ? {} : { timeout },
  );
}

describe('isSilentHost', () => {
  it('takes a first-token timeout as silence, whenever it fired', () => {
    expect(isSilentHost(error('timeout', 'first_token'), 0, 20_000)).toBe(true);
    expect(isSilentHost(error('timeout', 'first_token'), 20_000, 20_000)).toBe(true);
  });

  it('does not take other timeouts as silence: the host never connected, or it had spoken', () => {
    expect(isSilentHost(error('timeout', 'connect'), 20_000, 20_000)).toBe(false);
    expect(isSilentHost(error('timeout', 'idle'), 20_000, 20_000)).toBe(false);
    expect(isSilentHost(error('timeout', 'total'), 20_000, 20_000)).toBe(false);
  });

  it('takes a dropped connection or broken body as silence from a quarter of the limit on', () => {
    const edge = 20_000 * SILENT_SHARE;
    expect(SILENT_SHARE).toBe(0.25);
    for (const failureClass of ['transport', 'bad_response'] as const) {
      expect(isSilentHost(error(failureClass), 15_000, 20_000)).toBe(true);
      expect(isSilentHost(error(failureClass), edge, 20_000)).toBe(true);
      expect(isSilentHost(error(failureClass), edge - 1, 20_000)).toBe(false);
      // A quick reset is an ordinary transport failure.
      expect(isSilentHost(error(failureClass), 3, 20_000)).toBe(false);
    }
  });

  it('never takes an answer as silence, however late it came', () => {
    for (const failureClass of ['server_error', 'overloaded', 'rate_limited', 'client_error'] as const) {
      expect(isSilentHost(error(failureClass), 19_000, 20_000)).toBe(false);
    }
  });
});
