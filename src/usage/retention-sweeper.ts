import type { Clock } from '../core/index.js';
import type { Store } from '../store/index.js';

/** Options of {@link RetentionSweeper}. */
export interface RetentionSweeperOptions {
  store: Pick<Store, 'deleteRequestLogsBefore' | 'deleteCanaryResultsBefore'>;
  clock: Clock;
  /** How long rows (request log and canary results) are kept, in ms (config `log.retention`, default 30 days). */
  retentionMs: number;
  /** How often old rows are deleted, in ms; default hourly. */
  intervalMs?: number;
  /** Reports a sweep that failed (the next one tries again). */
  onError?: (error: unknown) => void;
}

/**
 * Deletes request-log rows and canary results older than the retention period, at start and then
 * periodically.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Immediate | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly options: RetentionSweeperOptions) {}

  /** Deletes rows older than `now - retention`; says how many request-log rows went. */
  sweep(): Promise<number> {
    const before = this.options.clock.now() - this.options.retentionMs;
    const { store } = this.options;
    this.running ??= Promise.all([
      store.deleteRequestLogsBefore(before),
      // Canary results of the current UTC month stay: the canaries' monthly spend cap is rebuilt from them.
      store.deleteCanaryResultsBefore(Math.min(before, startOfUtcMonth(this.options.clock.now()))),
    ])
      .then(([requestLogs]) => requestLogs)
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Sweeps on the next turn of the event loop and then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    const run = () => {
      this.sweep().catch((error: unknown) => this.options.onError?.(error));
    };
    this.first = setImmediate(run);
    this.timer = setInterval(run, this.options.intervalMs ?? 3_600_000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.first !== undefined) clearImmediate(this.first);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}

/** Midnight UTC on the first day of `now`'s month. */
function startOfUtcMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}
