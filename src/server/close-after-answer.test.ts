import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAfterAnswer, type DrainLimits, hasUnreadBody } from './close-after-answer.js';

let server: Server | undefined;
const clients = new Set<Socket>();

afterEach(async () => {
  for (const client of clients) client.destroy();
  clients.clear();
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  }
});

/**
 * An HTTP server that refuses every body at once with a 413 and `connection: close`; `closed`
 * resolves when its side of the (one) connection has closed.
 */
async function refusingServer(limits: DrainLimits): Promise<{ port: number; closed: Promise<void> }> {
  const listening = createServer((request, response) => {
    closeAfterAnswer(request, limits);
    response.writeHead(413, { connection: 'close', 'content-length': '8' }).end('too big\n');
  });
  server = listening;
  // Not `once(socket, 'close')`, which would reject on the socket's 'error' (a reset is expected here).
  const closed = new Promise<void>((resolve) =>
    listening.once('connection', (socket: Socket) => socket.once('close', () => resolve())),
  );
  listening.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  return { port: (listening.address() as AddressInfo).port, closed };
}

/** A raw client: what it received, whether a write failed, and when it closed. */
function client(port: number): {
  socket: Socket;
  received: () => string;
  errors: string[];
  closed: Promise<void>;
} {
  // Half-open, so the client does not answer the server's FIN with its own: the server decides when to close.
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  clients.add(socket);
  let received = '';
  const errors: string[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => received, errors, closed };
}

const head = (length: number) => `POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: ${length}\r\n\r\n`;

// Longer than the test's own timeout: a limit that does not act makes its test time out.
const generous: DrainLimits = { maxBytes: 64 * 1024 * 1024, idleMs: 60_000, totalMs: 60_000 };

/** Writes `total` bytes in 64 KiB pieces, waiting for the socket to drain; resolves false if a write failed. */
async function upload(socket: Socket, total: number): Promise<boolean> {
  const piece = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < total; sent += piece.length) {
    if (socket.destroyed) return false;
    const flushed = socket.write(piece.subarray(0, Math.min(piece.length, total - sent)));
    if (!flushed) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  return !socket.destroyed;
}

describe('closeAfterAnswer', () => {
  it('answers, reads the rest of the upload, and closes only then, so the client sees no reset', async () => {
    const { port } = await refusingServer(generous);
    const uploader = client(port);
    const size = 8 * 1024 * 1024;
    uploader.socket.write(head(size));
    // The client sends all of it, answer or not, as clients that read only at the end do.
    expect(await upload(uploader.socket, size)).toBe(true);
    uploader.socket.end();
    await uploader.closed;
    expect(uploader.received()).toMatch(/^HTTP\/1\.1 413 [\s\S]*\r\n\r\ntoo big\n$/);
    expect(uploader.errors).toEqual([]);
  });

  it('closes a connection that goes quiet for idleMs after the answer', async () => {
    const { port, closed } = await refusingServer({ ...generous, idleMs: 100 });
    const staller = client(port);
    staller.socket.write(`${head(1000)}{"partial":`);
    await closed;
    expect(staller.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('closes a connection still trickling bytes when totalMs has passed', async () => {
    const { port, closed } = await refusingServer({ ...generous, totalMs: 200 });
    const trickler = client(port);
    trickler.socket.write(head(1_000_000));
    const drip = setInterval(() => trickler.socket.write('a'), 10);
    await closed;
    clearInterval(drip);
    expect(trickler.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('stops discarding past maxBytes', async () => {
    const { port, closed } = await refusingServer({ ...generous, maxBytes: 256 * 1024 });
    const flooder = client(port);
    const size = 32 * 1024 * 1024;
    flooder.socket.write(head(size));
    expect(await upload(flooder.socket, size)).toBe(false);
    await closed;
  });
});

describe('hasUnreadBody', () => {
  it('is true only for a request that announced a body not yet read to its end', async () => {
    const seen: boolean[] = [];
    server = createServer((request, response) => {
      seen.push(hasUnreadBody(request));
      request.resume().on('end', () => {
        seen.push(hasUnreadBody(request));
        response.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    const withBody = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x'.repeat(10) });
    await withBody.text();
    const without = await fetch(`http://127.0.0.1:${port}/`);
    await without.text();
    expect(seen).toEqual([true, false, false, false]);
  });
});
