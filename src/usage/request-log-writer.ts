import type { Clock } from '../core/index.js';
import type { RequestLogRow, Store } from '../store/index.js';

/** Why rows did not reach the store. */
export type DropReason = 'queue_full' | 'store_error' | 'closed';

/** Options of {@link RequestLogWriter}. */
export interface RequestLogWriterOptions {
  /** Where rows go. */
  store: Pick<Store, 'insertRequestLogs'>;
  clock: Clock;
  /** How often queued rows are written, in ms (config `log.flushInterval`, default 1 s). */
  flushIntervalMs: number;
  /** Most rows per store write; a queue this long is written at once (config `log.batchSize`). */
  batchSize: number;
  /** Most rows waiting (config `log.queueSize`); rows beyond it are dropped, counted and logged. */
  queueLimit: number;
  /** Counts written rows (a metric). */
  onWritten?: (rows: number) => void;
  /** Counts dropped rows (a metric); called for every drop. */
  onDropped?: (rows: number, reason: DropReason) => void;
  /**
   * A warning for the operator: the first drop at once, then at most one line per `warnIntervalMs`
   * summing the drops since the last one, so a flood of drops is not a flood of lines.
   */
  warn?: (message: string, details: Record<string, unknown>) => void;
  /** Default 10 s. */
  warnIntervalMs?: number;
}

/**
 * Writes request-log rows in batches, off the request path. `record` only appends to an in-memory
 * queue: it never awaits, never touches the store, never throws. The store is written from a timer
 * (every `flushIntervalMs`), or on the next turn of the event loop once a batch's worth is queued.
 *
 * The queue is bounded. At the bound the back-pressure goes to the flush, not to the request: a
 * flush is started at once, and while the store is still busy with an earlier batch the new row is
 * dropped, counted (`onDropped`, the `detour_request_log_dropped_total` metric) and logged, and the
 * request is answered as if nothing happened. At most `queueLimit` rows wait plus one batch in the
 * store's hands, so a stalled store cannot take the process's memory with it.
 */
export class RequestLogWriter {
  private queue: RequestLogRow[] = [];
  private flushing: Promise<void> | undefined;
  private scheduled = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private unreported = 0;
  private lastWarnAt: number | undefined;
  /** Rows written so far. */
  written = 0;
  /** Rows dropped so far, whatever the reason. */
  dropped = 0;

  constructor(private readonly options: RequestLogWriterOptions) {
    this.timer = setInterval(() => {
      if (this.queue.length > 0) void this.flush();
    }, options.flushIntervalMs);
    this.timer.unref();
  }

  /** Rows waiting to be written (not counting a batch being written). */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues a row. Never blocks and never throws: a row that cannot be kept is counted and logged. */
  record(row: RequestLogRow): void {
    if (this.closed) {
      this.drop(1, 'closed');
      return;
    }
    if (this.queue.length >= this.options.queueLimit) {
      this.drop(1, 'queue_full');
      this.scheduleFlush();
      return;
    }
    this.queue.push(row);
    if (this.queue.length >= this.options.batchSize) this.scheduleFlush();
  }

  /** Writes everything queued, batch by batch; resolves when the queue is empty. */
  flush(): Promise<void> {
    if (this.flushing !== undefined) {
      // Rows queued after the running flush took its batches still need writing.
      return this.flushing.then(() => (this.queue.length > 0 ? this.flush() : undefined));
    }
    const running = this.drain().finally(() => {
      this.flushing = undefined;
    });
    this.flushing = running;
    return running;
  }

  /** Stops the timer and writes what is queued; rows recorded afterwards are dropped and counted. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    this.report();
  }

  private scheduleFlush(): void {
    if (this.flushing !== undefined || this.scheduled) return;
    this.scheduled = true;
    // The next turn of the event loop: the request that filled the batch is answered first.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSize);
      try {
        await this.options.store.insertRequestLogs(batch);
        this.written += batch.length;
        this.options.onWritten?.(batch.length);
      } catch (error) {
        this.drop(batch.length, 'store_error', error);
      }
    }
  }

  private drop(rows: number, reason: DropReason, error?: unknown): void {
    this.dropped += rows;
    this.unreported += rows;
    this.options.onDropped?.(rows, reason);
    const now = this.options.clock.now();
    const interval = this.options.warnIntervalMs ?? 10_000;
    if (this.lastWarnAt === undefined || now - this.lastWarnAt >= interval || reason === 'store_error') {
      this.lastWarnAt = now;
      this.report(reason, error);
    }
  }

  private report(reason?: DropReason, error?: unknown): void {
    if (this.unreported === 0) return;
    const details: Record<string, unknown> = {
      dropped: this.unreported,
      droppedTotal: this.dropped,
      pending: this.queue.length,
    };
    if (reason !== undefined) details.reason = reason;
    if (error !== undefined) details.error = error instanceof Error ? error.message : String(error);
    this.unreported = 0;
    this.options.warn?.(
      reason === 'store_error'
        ? 'request log: the store refused a batch; its rows are lost'
        : 'request log: queue full, rows dropped (the store is slower than the traffic)',
      details,
    );
  }
}
