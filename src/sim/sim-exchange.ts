import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type IncomingHttpHeaders as Http2Headers,
  constants as http2Constants,
  type ServerHttp2Stream,
} from 'node:http2';

/**
 * One request and its response, whichever HTTP version carried them: the simulator answers HTTP/1.1
 * and HTTP/2 (the AWS SDK's default) with the same code, and this is the little it needs of either.
 */
export interface SimExchange {
  /** `1.1` or `2`. */
  readonly httpVersion: '1.1' | '2';
  readonly method: string;
  /** Path and query exactly as received, percent-encoding untouched (SigV4 signs it as sent). */
  readonly target: string;
  /** Request headers, lower-case names; on HTTP/2 the pseudo-headers (`:authority`…) are included. */
  readonly headers: IncomingHttpHeaders;
  /** Whether the status line / HEADERS frame went out. */
  readonly headersSent: boolean;
  /** Whether the response can no longer be written (closed by either side). */
  readonly destroyed: boolean;
  /** Reads the whole request body; fails past `limit` bytes. */
  readBody(limit: number): Promise<Buffer>;
  /** Sets the status and headers (connection-specific ones are dropped on HTTP/2, which forbids them). */
  writeHead(status: number, headers: Record<string, string | number>): void;
  /** Sends the headers now, before any body byte. */
  flushHeaders(): void;
  write(chunk: string | Uint8Array, written?: () => void): void;
  end(chunk?: string | Uint8Array): void;
  /**
   * Breaks the exchange without a proper end: HTTP/1.1 drops the TCP connection, HTTP/2 resets the
   * stream (RST_STREAM INTERNAL_ERROR), which is how one request's connection failure shows there.
   */
  reset(): void;
  /**
   * Called once when the exchange closes; `byCaller` is true when the caller hung up before the
   * response ended (the simulator's own {@link reset} does not count).
   */
  onClose(listener: (byCaller: boolean) => void): void;
}

/** Headers HTTP/2 forbids (RFC 9113 §8.2.2); Node throws on them. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

function readAll(source: NodeJS.ReadableStream & { destroy(error?: Error): void }, limit: number) {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    source.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) source.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    source.on('end', () => resolve(Buffer.concat(chunks)));
    source.on('error', reject);
  });
}

/** The exchange of an HTTP/1.1 request. */
export function http1Exchange(request: IncomingMessage, response: ServerResponse): SimExchange {
  let resetHere = false;
  return {
    httpVersion: '1.1',
    method: request.method ?? 'GET',
    target: request.url ?? '/',
    headers: request.headers,
    get headersSent() {
      return response.headersSent;
    },
    get destroyed() {
      return response.destroyed;
    },
    readBody: (limit) => readAll(request, limit),
    writeHead: (status, headers) => {
      response.writeHead(status, headers);
    },
    flushHeaders: () => response.flushHeaders(),
    write: (chunk, written) => {
      response.write(chunk, written);
    },
    end: (chunk) => {
      if (chunk === undefined) response.end();
      else response.end(chunk);
    },
    reset: () => {
      resetHere = true;
      // A response's writes stay corked until the next tick; without this flush, a stream written in
      // one go (no token delay) would lose every byte before the reset instead of the last few.
      const { socket } = request;
      while (socket.writableCorked > 0) socket.uncork();
      socket.destroy();
    },
    onClose: (listener) => {
      response.once('close', () => listener(!response.writableFinished && !resetHere));
    },
  };
}

/** The exchange of an HTTP/2 stream. */
export function http2Exchange(stream: ServerHttp2Stream, headers: Http2Headers): SimExchange {
  let resetHere = false;
  // A caller's RST_STREAM surfaces as an error on the stream; the close listener accounts for it.
  stream.on('error', () => {});
  return {
    httpVersion: '2',
    method: String(headers[':method'] ?? 'GET'),
    target: String(headers[':path'] ?? '/'),
    headers,
    get headersSent() {
      return stream.headersSent;
    },
    get destroyed() {
      return stream.destroyed || stream.closed;
    },
    readBody: (limit) => readAll(stream, limit),
    writeHead: (status, responseHeaders) => {
      const allowed: Record<string, string | number> = { ':status': status };
      for (const [name, value] of Object.entries(responseHeaders)) {
        if (!CONNECTION_SPECIFIC.has(name.toLowerCase())) allowed[name.toLowerCase()] = value;
      }
      stream.respond(allowed);
    },
    // `respond` sends the HEADERS frame at once.
    flushHeaders: () => {},
    write: (chunk, written) => {
      stream.write(chunk, written);
    },
    end: (chunk) => {
      if (chunk === undefined) stream.end();
      else stream.end(chunk);
    },
    reset: () => {
      resetHere = true;
      // `destroy` resets with INTERNAL_ERROR (`close` would end the stream cleanly first), and
      // RST_STREAM would overtake DATA frames still queued, so the bytes written so far go out first.
      const destroy = () => stream.destroy(new Error('reset by the simulator'));
      if (stream.headersSent) stream.write(Buffer.alloc(0), destroy);
      else destroy();
    },
    onClose: (listener) => {
      // A session closed right after the last DATA frame leaves `writableFinished` false though the
      // answer was whole: what tells a caller's hang-up is a reset or an answer not yet ended.
      stream.once('close', () =>
        listener(!resetHere && (stream.rstCode !== http2Constants.NGHTTP2_NO_ERROR || !stream.writableEnded)),
      );
    },
  };
}
