import { DetourError } from '../core/index.js';

/** The part of Node's `ServerResponse` a {@link RequestWatch} needs. */
export interface WatchedResponse {
  /** True once the whole answer has been handed to the socket. */
  readonly writableFinished: boolean;
  on(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

/**
 * Aborts one request's upstream work when the client goes away or the request's deadline passes,
 * and says whether it was the client that left.
 *
 * A class with plain fields on purpose, and not an object literal with a `get clientGone()`
 * accessor: V8 allocates the accessor pair of each such literal in old space, pointing at the
 * getter's closure, whose context holds the response and with it the request's whole object graph.
 * Minor GCs then keep all of that until the next full GC, so every request's garbage was promoted
 * (12 % of all bytes allocated on the chat path, against 3 % with this class), which filled the old
 * generation and made full GCs frequent. After many streams were held, when V8 had shrunk the heap
 * and grows it slowly, that cost 11–19 % more CPU per request for the rest of the process's life
 * (issue 13; `npm run bench:soak`).
 */
export class RequestWatch {
  /** Aborts when the client goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /** The client closed the connection before its answer ended. */
  clientGone = false;
  private readonly controller = new AbortController();
  private readonly deadline: NodeJS.Timeout;
  private readonly onClose = () => {
    if (!this.response.writableFinished) {
      this.clientGone = true;
      this.controller.abort(
        new DetourError('internal_error', 'transport', 'client closed the connection', { status: 499 }),
      );
    }
  };

  constructor(
    private readonly response: WatchedResponse,
    totalMs: number,
  ) {
    this.signal = this.controller.signal;
    response.on('close', this.onClose);
    this.deadline = setTimeout(() => {
      this.controller.abort(
        new DetourError('upstream_timeout', 'timeout', `request deadline of ${totalMs} ms passed`, {
          timeout: 'total',
        }),
      );
    }, totalMs);
    this.deadline.unref();
  }

  /** Stops the deadline and stops listening to the response; call once the request is over. */
  dispose(): void {
    clearTimeout(this.deadline);
    this.response.off('close', this.onClose);
  }
}
