import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DetourError } from '../core/index.js';
import { type AttemptGuard, AttemptWatchdog, TransportTimeoutGuard } from './attempt-watchdog.js';

const deployment = { provider: 'p', deployment: 'p/m' };

function fields(error: unknown) {
  const detour = error as DetourError;
  return {
    instance: error instanceof DetourError,
    code: detour.code,
    failureClass: detour.failureClass,
    message: detour.message,
    status: detour.status,
    timeout: detour.timeout,
    upstream: detour.upstream,
  };
}

describe('TransportTimeoutGuard', () => {
  it('hands its limits to undici as header and body timeouts', () => {
    const signal = new AbortController().signal;
    const guard = new TransportTimeoutGuard(signal, { firstTokenMs: 1_000, idleMs: 250 });
    expect(guard.transportTimeouts).toStrictEqual({ headersTimeoutMs: 1_000, bodyTimeoutMs: 250 });
    expect(guard.signal).toBe(signal);
  });

  it('explains an error by the signal’s reason once the signal aborted', () => {
    const controller = new AbortController();
    const guard = new TransportTimeoutGuard(controller.signal, { firstTokenMs: 1, idleMs: 1 });
    const error = new Error('socket');
    guard.progressed();
    expect(guard.explain(error)).toBe(error);
    const reason = new Error('deadline');
    controller.abort(reason);
    expect(guard.explain(error)).toBe(reason);
    guard.dispose();
    expect(guard.explain(error)).toBe(reason);
  });
});

describe('AttemptWatchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('has no transport timeouts of its own', () => {
    const watchdog = new AttemptWatchdog(
      new AbortController().signal,
      { firstTokenMs: 10, idleMs: 10 },
      deployment,
    );
    const guard: AttemptGuard = watchdog;
    expect(guard.transportTimeouts).toBeUndefined();
    expect(watchdog.signal).toBe(watchdog.controller.signal);
    watchdog.dispose();
  });

  it('aborts with a first-token timeout when nothing arrives within firstTokenMs', () => {
    const watchdog = new AttemptWatchdog(
      new AbortController().signal,
      { firstTokenMs: 100, idleMs: 30 },
      deployment,
    );
    vi.advanceTimersByTime(99);
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watchdog.signal.aborted).toBe(true);
    expect(fields(watchdog.signal.reason)).toStrictEqual({
      instance: true,
      code: 'upstream_first_token_timeout',
      failureClass: 'timeout',
      message: 'upstream sent nothing for 100 ms (first token timeout)',
      status: 504,
      timeout: 'first_token',
      upstream: { provider: 'p', deployment: 'p/m' },
    });
    expect(watchdog.explain(new Error('aborted'))).toBe(watchdog.signal.reason);
    watchdog.dispose();
  });

  it('limits only idle gaps once progressed, from each progress on', () => {
    const watchdog = new AttemptWatchdog(
      new AbortController().signal,
      { firstTokenMs: 100, idleMs: 300 },
      deployment,
    );
    vi.advanceTimersByTime(50);
    watchdog.progressed();
    // The first-token timer is gone: past its 100 ms nothing fires.
    vi.advanceTimersByTime(250);
    expect(watchdog.signal.aborted).toBe(false);
    watchdog.progressed();
    vi.advanceTimersByTime(299);
    expect(watchdog.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(watchdog.signal.aborted).toBe(true);
    expect(fields(watchdog.signal.reason)).toStrictEqual({
      instance: true,
      code: 'upstream_idle_timeout',
      failureClass: 'timeout',
      message: 'upstream sent nothing for 300 ms (idle timeout)',
      status: 504,
      timeout: 'idle',
      upstream: { provider: 'p', deployment: 'p/m' },
    });
    watchdog.dispose();
  });

  it('fires the idle limit even when it is shorter than the first-token one', () => {
    const watchdog = new AttemptWatchdog(
      new AbortController().signal,
      { firstTokenMs: 1_000, idleMs: 10 },
      deployment,
    );
    watchdog.progressed();
    vi.advanceTimersByTime(10);
    expect((watchdog.signal.reason as DetourError).code).toBe('upstream_idle_timeout');
    watchdog.dispose();
  });

  it('puts a copy of the deployment in the error', () => {
    const own = { provider: 'q', deployment: 'q/n' };
    const watchdog = new AttemptWatchdog(new AbortController().signal, { firstTokenMs: 5, idleMs: 5 }, own);
    vi.advanceTimersByTime(5);
    const upstream = (watchdog.signal.reason as DetourError).upstream;
    expect(upstream).toStrictEqual({ provider: 'q', deployment: 'q/n' });
    expect(upstream).not.toBe(own);
    watchdog.dispose();
  });

  it('aborts at once with the reason of a parent that already aborted', () => {
    const parent = new AbortController();
    const reason = new Error('client gone');
    parent.abort(reason);
    const watchdog = new AttemptWatchdog(parent.signal, { firstTokenMs: 100, idleMs: 100 }, deployment);
    expect(watchdog.signal.aborted).toBe(true);
    expect(watchdog.signal.reason).toBe(reason);
    expect(watchdog.explain(new Error('x'))).toBe(reason);
    watchdog.dispose();
  });

  it('aborts with the parent’s reason when the parent aborts later', () => {
    const parent = new AbortController();
    const watchdog = new AttemptWatchdog(parent.signal, { firstTokenMs: 100, idleMs: 100 }, deployment);
    const error = new Error('socket');
    expect(watchdog.explain(error)).toBe(error);
    const reason = new Error('deadline');
    parent.abort(reason);
    expect(watchdog.signal.reason).toBe(reason);
    expect(watchdog.explain(error)).toBe(reason);
    // The timeout that would have come later does not replace the reason.
    vi.advanceTimersByTime(100);
    expect(watchdog.signal.reason).toBe(reason);
    watchdog.dispose();
  });

  it('keeps the timeout as the reason when the parent aborts afterwards', () => {
    const parent = new AbortController();
    const watchdog = new AttemptWatchdog(parent.signal, { firstTokenMs: 100, idleMs: 100 }, deployment);
    vi.advanceTimersByTime(100);
    parent.abort(new Error('later'));
    expect((watchdog.signal.reason as DetourError).code).toBe('upstream_first_token_timeout');
    watchdog.dispose();
  });

  it('fires nothing and follows the parent no more once disposed', () => {
    const parent = new AbortController();
    const watchdog = new AttemptWatchdog(parent.signal, { firstTokenMs: 100, idleMs: 100 }, deployment);
    watchdog.dispose();
    vi.advanceTimersByTime(1_000);
    expect(watchdog.signal.aborted).toBe(false);
    parent.abort(new Error('late'));
    expect(watchdog.signal.aborted).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clears the idle timer on dispose after progress', () => {
    const watchdog = new AttemptWatchdog(
      new AbortController().signal,
      { firstTokenMs: 100, idleMs: 100 },
      deployment,
    );
    watchdog.progressed();
    expect(vi.getTimerCount()).toBe(1);
    watchdog.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(watchdog.signal.aborted).toBe(false);
  });

  it('does not keep the process alive while it waits', () => {
    vi.useRealTimers();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const watchdog = new AttemptWatchdog(
      new AbortController().signal,
      { firstTokenMs: 60_000, idleMs: 60_000 },
      deployment,
    );
    watchdog.progressed();
    expect(timers()).toBe(before);
    watchdog.dispose();
  });
});
