import { createServer as createHttp1Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { http1Exchange, http2Exchange, type SimExchange } from './sim-exchange.js';

/** A listening port that speaks HTTP/1.1 and HTTP/2 cleartext. */
export interface DualProtocolListener {
  readonly address: AddressInfo;
  /** Stops listening and destroys every connection and HTTP/2 session still open. */
  close(): Promise<void>;
}

/** Options of {@link listenHttp1AndH2c}. */
export interface DualProtocolListenOptions {
  port: number;
  host: string;
  /** Every request, HTTP/1.1 or HTTP/2. */
  handle(exchange: SimExchange): void;
  /** Every TCP connection accepted. */
  onConnection(): void;
}

/** The start of the HTTP/2 client connection preface (RFC 9113 §3.4): no HTTP/1.1 method begins so. */
const H2_PREFACE_START = 'PRI';

/**
 * Serves HTTP/1.1 and HTTP/2 with prior knowledge (h2c) on one port. The AWS SDK speaks h2c to an
 * `http://` endpoint while fetch-based SDKs speak HTTP/1.1, and Node's `allowHTTP1` works only over
 * TLS (ALPN), so each connection's first bytes decide which server gets the socket.
 */
export async function listenHttp1AndH2c(options: DualProtocolListenOptions): Promise<DualProtocolListener> {
  const http1 = createHttp1Server((request, response) => options.handle(http1Exchange(request, response)));
  // Keep-alive sockets of clients (Detour's pool) must not hold the simulator open at close.
  http1.keepAliveTimeout = 5_000;
  const http2 = createHttp2Server();
  http2.on('stream', (stream, headers) => options.handle(http2Exchange(stream, headers)));
  const sessions = new Set<Http2Session>();
  http2.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => {});
    session.once('close', () => sessions.delete(session));
  });

  const sockets = new Set<Socket>();
  const tcp = createTcpServer((socket) => {
    options.onConnection();
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let seen = Buffer.alloc(0);
    const peek = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const start = seen.subarray(0, H2_PREFACE_START.length).toString('latin1');
      if (seen.length < H2_PREFACE_START.length && H2_PREFACE_START.startsWith(start)) return;
      socket.off('data', peek);
      socket.pause();
      socket.unshift(seen);
      if (start === H2_PREFACE_START) {
        // The HTTP/2 session reads what is buffered on the socket itself.
        http2.emit('connection', socket);
      } else {
        http1.emit('connection', socket);
        // The HTTP/1.1 parser reads the socket's handle directly; the unshifted bytes arrive as
        // `data` events only once the socket flows again.
        socket.resume();
      }
    };
    socket.on('data', peek);
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(options.port, options.host, () => resolve());
  });
  return {
    address: tcp.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
