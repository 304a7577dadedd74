import type { IncomingMessage } from 'node:http';

/** How long, and how much of, a refused upload is read and thrown away before its connection closes. */
export interface DrainLimits {
  /** Bytes discarded after the refusal, at most. */
  maxBytes: number;
  /** Longest wait for the next byte once the answer is sent, in ms. */
  idleMs: number;
  /** Longest the whole drain may last once the answer is sent, in ms. */
  totalMs: number;
}

/**
 * nginx's lingering close: `lingering_time 30s`, `lingering_timeout 5s`. nginx has no byte cap; 64 MiB
 * (three default `bodyLimit`s) lets a client that reads nothing until it has sent everything still
 * get its answer for any upload up to that size past the refusal.
 */
export const DEFAULT_DRAIN_LIMITS: DrainLimits = {
  maxBytes: 64 * 1024 * 1024,
  idleMs: 5_000,
  totalMs: 30_000,
};

/**
 * Makes the connection of a request whose body Detour refuses (too large, too slow) close
 * gracefully once the answer, sent with `connection: close`, is out (RFC 9112 section 9.6).
 *
 * Node ends such an answer with `socket.destroySoon()`: it half-closes, and as soon as the answer is
 * flushed it closes the socket while the client may still be sending its upload. Bytes arriving at
 * a closed socket make the kernel answer with a reset, which can reach the client before it has
 * read the answer: about one 50 MB upload in five from Node's `fetch` then failed with EPIPE instead
 * of a 413. So this socket's `destroySoon` half-closes and keeps reading (and throwing away) until
 * the upload has ended or the client has closed its side, and closes only then, or when `limits`
 * run out. Discarding starts at once, so the client is not stalled while the answer is written.
 */
export function closeAfterAnswer(request: IncomingMessage, limits: DrainLimits = DEFAULT_DRAIN_LIMITS): void {
  const socket = request.socket;
  if (socket.destroyed) return;
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) socket.destroy();
  });
  request.resume();
  const destroyWhenFlushed = () => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  socket.destroySoon = () => {
    socket.end();
    if (request.complete) {
      destroyWhenFlushed();
      return;
    }
    // The whole upload has arrived: nothing more is due, and closing now sends no reset. (A client
    // that ends its side first is closed by Node's own end-of-stream handling.)
    request.once('end', destroyWhenFlushed);
    // The parser refreshes the socket's idle timer on every read, so this fires only after
    // `idleMs` without a byte.
    socket.setTimeout(limits.idleMs, () => socket.destroy());
    const deadline = setTimeout(() => socket.destroy(), limits.totalMs);
    deadline.unref();
    socket.once('close', () => clearTimeout(deadline));
  };
}

/** Whether the request announced a body that has not been read to its end yet. */
export function hasUnreadBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  const announced =
    (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
  return announced && !request.complete;
}
