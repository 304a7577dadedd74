import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/index.js';
import { LogThrottle, MAX_TRACKED_ADDRESSES } from './log-throttle.js';

function throttle(clock: ManualClock, perAddress = 2, perFault = 5): LogThrottle {
  return new LogThrottle({ clock, windowMs: 60_000, perAddress, perFault });
}

/** Admits `times` lines and returns how many were let through. */
function admitted(subject: LogThrottle, fault: string, address: string, times: number): number {
  let passed = 0;
  for (let index = 0; index < times; index += 1) if (subject.admit(fault, address)) passed += 1;
  return passed;
}

describe('LogThrottle', () => {
  it('lets perAddress lines per fault and address through, then holds the rest back', () => {
    const clock = new ManualClock();
    const subject = throttle(clock);
    expect(admitted(subject, 'request_timeout', '10.0.0.1', 10)).toBe(2);
    // Another fault from the same address, and the same fault from another address, have their own lines.
    expect(admitted(subject, 'client_closed_request', '10.0.0.1', 10)).toBe(2);
    expect(admitted(subject, 'request_timeout', '10.0.0.2', 10)).toBe(2);
  });

  it('caps one fault across all addresses at perFault lines per window', () => {
    const clock = new ManualClock();
    const subject = throttle(clock, 2, 5);
    let passed = 0;
    for (let index = 0; index < 100; index += 1)
      passed += admitted(subject, 'request_timeout', `10.0.0.${index}`, 1);
    expect(passed).toBe(5);
  });

  it('reports what a window held back once, after the window has ended', () => {
    const clock = new ManualClock();
    const subject = throttle(clock);
    const start = clock.now();
    admitted(subject, 'request_timeout', '10.0.0.1', 7);
    admitted(subject, 'request_timeout', '10.0.0.2', 3);
    admitted(subject, 'client_closed_request', '10.0.0.3', 1);
    clock.advance(59_999);
    expect(subject.takeSuppressed()).toEqual([]);
    clock.advance(1);
    expect(subject.takeSuppressed()).toEqual([
      {
        fault: 'request_timeout',
        count: 6,
        addresses: 2,
        top: { address: '10.0.0.1', count: 5 },
        from: start,
        to: start + 60_000,
      },
    ]);
    expect(subject.takeSuppressed()).toEqual([]);
  });

  it('starts each window with fresh allowances', () => {
    const clock = new ManualClock();
    const subject = throttle(clock);
    expect(admitted(subject, 'request_timeout', '10.0.0.1', 5)).toBe(2);
    clock.advance(60_000);
    expect(admitted(subject, 'request_timeout', '10.0.0.1', 5)).toBe(2);
    // The window that ended during `admit` is kept for the next report, not lost.
    expect(subject.takeSuppressed().map((lines) => lines.count)).toEqual([3]);
  });

  it('flushes the running window at shutdown', () => {
    const clock = new ManualClock();
    const subject = throttle(clock);
    admitted(subject, 'too_many_connections', '10.0.0.1', 4);
    clock.advance(1_000);
    expect(subject.flush()).toMatchObject([{ fault: 'too_many_connections', count: 2, to: clock.now() }]);
    expect(subject.flush()).toEqual([]);
  });

  it('stops telling addresses apart past MAX_TRACKED_ADDRESSES, but still counts and holds back', () => {
    const clock = new ManualClock();
    const subject = throttle(clock, 1, 1);
    for (let index = 0; index < MAX_TRACKED_ADDRESSES + 50; index += 1)
      subject.admit('request_timeout', `a${index}`);
    const [lines] = subject.flush();
    expect(lines?.count).toBe(MAX_TRACKED_ADDRESSES + 49);
    expect(lines?.addresses).toBe(MAX_TRACKED_ADDRESSES - 1);
  });
});
