import { DetourError, type TimeoutKind } from '../core/index.js';

/** Timeouts of one attempt, in milliseconds (DESIGN.md section 6). */
export interface AttemptTimeouts {
  /** Until the first content arrives (for non-streams: until the response headers). */
  firstTokenMs: number;
  /** Longest silence between chunks once content flows. */
  idleMs: number;
}

/** What an attempt is aborted and timed by. */
export interface AttemptGuard {
  /** The signal to give the upstream request. */
  readonly signal: AbortSignal;
  /** Limits undici enforces itself (headers, gaps between body chunks), when the guard uses them. */
  readonly transportTimeouts?: { headersTimeoutMs: number; bodyTimeoutMs: number };
  /** The response (or first content) arrived. */
  progressed(): void;
  /** Releases timers and listeners. */
  dispose(): void;
  /** If the attempt was aborted, the reason; else the error itself. */
  explain(error: unknown): unknown;
}

/**
 * The guard of a non-streaming attempt: its two limits are exactly undici's own — first token is
 * "until the response headers" and idle is "between body chunks" — so it needs no controller, timer
 * or listener of its own, only the request's signal (client gone, total deadline). Cheaper per
 * request than a {@link AttemptWatchdog}, which streams need: their first token is the first content
 * event, not the headers.
 */
export class TransportTimeoutGuard implements AttemptGuard {
  readonly transportTimeouts: { headersTimeoutMs: number; bodyTimeoutMs: number };

  constructor(
    readonly signal: AbortSignal,
    timeouts: AttemptTimeouts,
  ) {
    this.transportTimeouts = { headersTimeoutMs: timeouts.firstTokenMs, bodyTimeoutMs: timeouts.idleMs };
  }

  progressed(): void {}

  dispose(): void {}

  explain(error: unknown): unknown {
    return this.signal.aborted ? this.signal.reason : error;
  }
}

/**
 * Aborts one upstream attempt when a timeout fires or the request's own signal aborts. The abort
 * reason is always a classified DetourError, so callers never need to guess what happened.
 */
export class AttemptWatchdog implements AttemptGuard {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly onParentAbort: () => void;

  constructor(
    private readonly parent: AbortSignal,
    private readonly timeouts: AttemptTimeouts,
    private readonly deployment: { provider: string; deployment: string },
  ) {
    this.onParentAbort = () => this.controller.abort(parent.reason);
    if (parent.aborted) this.onParentAbort();
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.arm('first_token', timeouts.firstTokenMs);
  }

  /** The signal to give the upstream request. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Content (or, for non-streams, the response) arrived: from now on only idle gaps are limited. */
  progressed(): void {
    this.arm('idle', this.timeouts.idleMs);
  }

  /** Stops all timers and detaches from the parent signal. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.parent.removeEventListener('abort', this.onParentAbort);
  }

  /** If the attempt was aborted by us or the parent, the reason; else the error itself. */
  explain(error: unknown): unknown {
    return this.controller.signal.aborted ? this.controller.signal.reason : error;
  }

  private arm(kind: TimeoutKind, milliseconds: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const label = kind === 'first_token' ? 'first token' : 'idle';
      this.controller.abort(
        new DetourError(
          kind === 'first_token' ? 'upstream_first_token_timeout' : 'upstream_idle_timeout',
          'timeout',
          `upstream sent nothing for ${milliseconds} ms (${label} timeout)`,
          { timeout: kind, upstream: { ...this.deployment } },
        ),
      );
    }, milliseconds);
    this.timer.unref();
  }
}
