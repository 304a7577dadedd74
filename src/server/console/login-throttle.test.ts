import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.js';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  it('refuses an address after five wrong keys in the window, until the window of the first has passed', () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ now: () => clock.now() });
    for (let attempt = 0; attempt < 4; attempt += 1) {
      throttle.failed('10.0.0.1');
      clock.advance(1_000);
    }
    expect(throttle.blockedFor('10.0.0.1')).toBe(0);
    throttle.failed('10.0.0.1');
    expect(throttle.blockedFor('10.0.0.1')).toBe(900_000 - 4_000);
    // Another address is not affected.
    expect(throttle.blockedFor('10.0.0.2')).toBe(0);
    clock.advance(900_000 - 4_000 - 1);
    expect(throttle.blockedFor('10.0.0.1')).toBe(1);
    clock.advance(1);
    expect(throttle.blockedFor('10.0.0.1')).toBe(0);
  });

  it('starts the count over after a right key', () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ now: () => clock.now(), maxFailures: 2 });
    throttle.failed('a');
    throttle.succeeded('a');
    throttle.failed('a');
    expect(throttle.blockedFor('a')).toBe(0);
    throttle.failed('a');
    expect(throttle.blockedFor('a')).toBeGreaterThan(0);
  });

  it('remembers at most maxAddresses, forgetting the oldest', () => {
    const clock = new ManualClock(0);
    const throttle = new LoginThrottle({ now: () => clock.now(), maxFailures: 1, maxAddresses: 2 });
    throttle.failed('a');
    throttle.failed('b');
    throttle.failed('c');
    expect([throttle.blockedFor('a'), throttle.blockedFor('b') > 0, throttle.blockedFor('c') > 0]).toEqual([
      0,
      true,
      true,
    ]);
  });
});
