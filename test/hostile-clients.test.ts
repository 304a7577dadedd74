import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, twoHostConfig } from './support/start-stack.js';

// Clients that stall, flood or leave, against a real Detour in front of the simulator. Loopback is
// 127.0.0.0/8 on Linux, so sockets bound to 127.0.0.2, 127.0.0.3, ... are distinct client addresses.

/** A pino line as the gateway wrote it. */
interface LogLine {
  level: number;
  msg: string;
  clientFault?: string;
  remoteAddress?: string;
  err?: unknown;
  [field: string]: unknown;
}

/** Collects the gateway's log lines and lets a test await one. */
class LogCapture {
  readonly lines: LogLine[] = [];
  private waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  readonly stream = new Writable({
    write: (chunk, _encoding, done) => {
      for (const text of String(chunk).split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as LogLine;
        this.lines.push(line);
        for (const waiter of this.waiters.filter((candidate) => candidate.match(line))) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
      done();
    },
  });

  /** Resolves with the first line (already written or still to come) that `match` accepts. */
  next(match: (line: LogLine) => boolean): Promise<LogLine> {
    const found = this.lines.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
}

/** A raw connection that records everything it receives until it closes. */
interface RawClient {
  socket: Socket;
  /** Resolves once what was received so far passes `test`. */
  until(test: (received: string) => boolean): Promise<void>;
  /** Everything received, resolved when the connection has closed (by either side). */
  closed: Promise<string>;
  isClosed(): boolean;
}

const sockets = new Set<Socket>();

function rawClient(port: number, localAddress: string, text: string): RawClient {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  sockets.add(socket);
  let received = '';
  let isClosed = false;
  socket.setEncoding('latin1');
  const waiters: { test: (received: string) => boolean; resolve: () => void }[] = [];
  socket.on('data', (chunk: string) => {
    received += chunk;
    for (const waiter of waiters.filter((candidate) => candidate.test(received))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  // A reset still ends in 'close'; what the client received is what the test looks at.
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => {
      isClosed = true;
      sockets.delete(socket);
      resolve(received);
    });
  });
  socket.write(text);
  return {
    socket,
    closed,
    isClosed: () => isClosed,
    until: (test) =>
      test(received) ? Promise.resolve() : new Promise((resolve) => waiters.push({ test, resolve })),
  };
}

/**
 * Headers announcing a 1,000-byte JSON body, and its first bytes; the rest never comes. With
 * `Expect: 100-continue` Node answers `100 Continue` once it has read the headers, so the test
 * knows the upload is stalled inside Detour rather than queued in the kernel.
 */
function stalledUpload(path: string, expectContinue = false): string {
  const expect = expectContinue ? 'Expect: 100-continue\r\n' : '';
  return `POST ${path} HTTP/1.1\r\nHost: detour\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n${expect}\r\n{"model":"m",`;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const startsWithContinue = (received: string) => received.startsWith(CONTINUE);

const GET_HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: detour\r\n\r\n';

/** How many `200 OK` status lines `received` holds. */
const answered = (received: string) => received.split('HTTP/1.1 200 OK').length - 1;

/** Status, headers and JSON body of one raw HTTP/1.1 response. */
function parseResponse(text: string): { status: number; headers: Record<string, string>; body: unknown } {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length']);
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: JSON.parse(text.slice(split + 4, split + 4 + length)),
  };
}

async function startWithLog(server: string): Promise<{ stack: Stack; log: LogCapture }> {
  const log = new LogCapture();
  const stack = await startStack({
    config: (simUrl) => `server: ${server}\n${twoHostConfig(simUrl)}`,
    detour: { logger: { level: 'info', stream: log.stream } },
  });
  return { stack, log };
}

afterEach(() => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
});

describe('server.bodyTimeout', () => {
  let stack: Stack;
  let log: LogCapture;

  beforeAll(async () => {
    // Long enough that opening 3,000 connections on a loaded machine stays well inside it.
    ({ stack, log } = await startWithLog('{ bodyTimeout: 5s }'));
  });

  afterAll(async () => {
    await stack.close();
  });

  it('3,000 stalled uploads: a normal request is still answered promptly, every stalled socket is closed after the body deadline, and the log holds a bounded number of lines about them', async () => {
    // 100 connections from each of 30 addresses: under the default per-address cap of 1,000.
    const addresses = Array.from({ length: 30 }, (_, index) => `127.0.0.${index + 2}`);
    const stalled: RawClient[] = [];
    // In batches, each read by Detour before the next: a burst of 3,000 SYNs would overflow the
    // listen backlog, and a dropped SYN is only retried a second later.
    for (let batch = 0; batch < 10; batch += 1) {
      const opened = addresses.flatMap((address) =>
        Array.from({ length: 10 }, () =>
          rawClient(stack.detour.port, address, stalledUpload('/v1/chat/completions', true)),
        ),
      );
      await Promise.all(opened.map((client) => client.until(startsWithContinue)));
      stalled.push(...opened);
    }
    expect(stalled).toHaveLength(3000);

    const response = await fetch(`${stack.detour.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    // Answered while every stalled upload was still held open, that is before their deadline.
    expect(stalled.filter((client) => client.isClosed())).toHaveLength(0);

    // Each is answered 408 and closed; a connection Detour kept would hang the test until it times out.
    const statuses = new Map<string, number>();
    for (const received of await Promise.all(stalled.map((client) => client.closed))) {
      const status = received.replace(CONTINUE, '').slice(0, 12);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 'HTTP/1.1 408': 3000 });

    const about = log.lines.filter((line) => addresses.includes(String(line.remoteAddress)));
    expect(about.length).toBeGreaterThan(0);
    expect(about.length).toBeLessThanOrEqual(100);
    expect(about.every((line) => line.clientFault === 'request_timeout' && line.level === 30)).toBe(true);
    expect(log.lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});

describe('refused and abandoned request bodies', () => {
  let stack: Stack;
  let log: LogCapture;

  beforeAll(async () => {
    ({ stack, log } = await startWithLog('{ bodyTimeout: 2s, bodyLimit: 1mb }'));
  });

  afterAll(async () => {
    await stack.close();
  });

  it('answers a stalled body with 408 in the API format of the surface called, with connection: close', async () => {
    const openai = rawClient(stack.detour.port, '127.0.0.40', stalledUpload('/v1/chat/completions'));
    const anthropic = rawClient(stack.detour.port, '127.0.0.40', stalledUpload('/v1/messages'));
    const [openaiAnswer, anthropicAnswer] = (await Promise.all([openai.closed, anthropic.closed])).map(
      parseResponse,
    );
    expect(openaiAnswer).toMatchObject({
      status: 408,
      headers: { connection: 'close' },
      body: {
        error: {
          type: 'invalid_request_error',
          code: 'request_timeout',
          message: 'request body did not arrive within 2000 ms',
        },
      },
    });
    expect(anthropicAnswer).toMatchObject({
      status: 408,
      headers: { connection: 'close' },
      body: {
        type: 'error',
        error: { type: 'invalid_request_error', message: 'request body did not arrive within 2000 ms' },
      },
    });
  });

  it('answers every 50 MB upload from fetch with a 413 in the client format, never with EPIPE or a reset', async () => {
    // The clients run in worker threads, as in a separate process: with client and server on one
    // event loop the server always closes between two of the client's writes, and the reset that
    // the old close caused (about one upload in five) never shows.
    const runs = [
      { path: '/v1/chat/completions', stream: false },
      { path: '/v1/chat/completions', stream: true },
      { path: '/v1/messages', stream: false },
    ].map(async ({ path, stream }) => {
      const worker = new Worker(UPLOADER, {
        eval: true,
        workerData: { url: `${stack.detour.url}${path}`, size: 50 * 1024 * 1024, count: 8, stream },
      });
      try {
        const [results] = (await once(worker, 'message')) as [UploadResult[]];
        return results.map((result) => ({ path, ...result }));
      } finally {
        await worker.terminate();
      }
    });
    const results = (await Promise.all(runs)).flat();
    expect(results).toHaveLength(24);
    expect(results.filter((result) => result.status !== 413)).toEqual([]);
    for (const result of results) {
      const body = JSON.parse(result.body ?? '') as unknown;
      if (result.path === '/v1/messages') {
        expect(body).toMatchObject({ type: 'error', error: { type: 'request_too_large' } });
      } else {
        expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'payload_too_large' } });
      }
    }
  });

  it('logs a client that leaves mid-body once, at info and without a stack, and holds back a flood of them', async () => {
    // One closes its side (FIN), one resets the connection (ECONNRESET): neither is Detour's fault.
    const closer = rawClient(stack.detour.port, '127.0.0.50', stalledUpload('/v1/chat/completions', true));
    const resetter = rawClient(stack.detour.port, '127.0.0.51', stalledUpload('/v1/messages', true));
    await Promise.all([closer.until(startsWithContinue), resetter.until(startsWithContinue)]);
    closer.socket.destroy();
    resetter.socket.resetAndDestroy();
    for (const address of ['127.0.0.50', '127.0.0.51']) {
      const line = await log.next((candidate) => candidate.remoteAddress === address);
      expect(line).toMatchObject({
        level: 30,
        clientFault: 'client_closed_request',
        msg: 'client closed the connection before its request body arrived',
      });
      expect(line).not.toHaveProperty('err');
    }

    const flood = Array.from({ length: 40 }, () =>
      rawClient(stack.detour.port, '127.0.0.50', stalledUpload('/v1/chat/completions', true)),
    );
    await Promise.all(flood.map((client) => client.until(startsWithContinue)));
    for (const client of flood) client.socket.destroy();
    await Promise.all(flood.map((client) => client.closed));
    // Detour handles those closes before it reads this later client's, whose line is not held back.
    const sentinel = rawClient(stack.detour.port, '127.0.0.52', stalledUpload('/v1/chat/completions', true));
    await sentinel.until(startsWithContinue);
    sentinel.socket.destroy();
    await log.next((candidate) => candidate.remoteAddress === '127.0.0.52');

    const fromCloser = log.lines.filter((line) => line.remoteAddress === '127.0.0.50');
    expect(fromCloser.length).toBeGreaterThan(1);
    expect(fromCloser.length).toBeLessThan(41);
    expect(fromCloser.every((line) => line.level === 30 && line.err === undefined)).toBe(true);
    expect(log.lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});

describe('an upload refused before its body is read', () => {
  it('answers every 50 MB upload without a client key with 401, never with EPIPE or a reset', async () => {
    const stack = await startStack({
      config: (simUrl) => `server: { bodyLimit: 100mb }\nauth: { mode: keys }\n${twoHostConfig(simUrl)}`,
    });
    try {
      const worker = new Worker(UPLOADER, {
        eval: true,
        workerData: {
          url: `${stack.detour.url}/v1/chat/completions`,
          size: 50 * 1024 * 1024,
          count: 8,
          stream: false,
        },
      });
      try {
        const [results] = (await once(worker, 'message')) as [UploadResult[]];
        expect(results).toHaveLength(8);
        expect(results.filter((result) => result.status !== 401)).toEqual([]);
        for (const result of results) {
          expect(JSON.parse(result.body ?? '')).toMatchObject({ error: { code: 'invalid_api_key' } });
        }
      } finally {
        await worker.terminate();
      }
    } finally {
      await stack.close();
    }
  });
});

describe('server.maxConnectionsPerIp', () => {
  let stack: Stack;
  let log: LogCapture;

  beforeAll(async () => {
    ({ stack, log } = await startWithLog('{ maxConnectionsPerIp: 3 }'));
  });

  afterAll(async () => {
    await stack.close();
  });

  it('refuses the connection over the cap from one address while another address still gets through', async () => {
    const held = Array.from({ length: 3 }, () => rawClient(stack.detour.port, '127.0.0.60', GET_HEALTHZ));
    await Promise.all(held.map((client) => client.until((received) => answered(received) === 1)));

    const refused = rawClient(stack.detour.port, '127.0.0.60', GET_HEALTHZ);
    expect(await refused.closed).toBe('');

    const other = rawClient(stack.detour.port, '127.0.0.61', GET_HEALTHZ);
    await other.until((received) => answered(received) === 1);
    expect((await fetch(`${stack.detour.url}/healthz`)).status).toBe(200);
    // The three already open are untouched: each answers a second request.
    for (const client of held) client.socket.write(GET_HEALTHZ);
    await Promise.all(held.map((client) => client.until((received) => answered(received) === 2)));

    expect(await log.next((line) => line.clientFault === 'too_many_connections')).toMatchObject({
      level: 40,
      remoteAddress: '127.0.0.60',
    });
  });
});

/** What one upload in a worker ended as. */
interface UploadResult {
  status?: number;
  body?: string;
  error?: string;
}

/** Uploads `size` bytes `count` times, one after another, with the runtime's own fetch (undici). */
const UPLOADER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const upload = Buffer.alloc(workerData.size, 0x61);
  const results = [];
  for (let index = 0; index < workerData.count; index += 1) {
    // With a length Detour refuses at once; streamed without one it refuses once 1 MB has been read.
    const body = workerData.stream
      ? new ReadableStream({
          start(controller) {
            for (let offset = 0; offset < upload.length; offset += 1 << 20) controller.enqueue(upload.subarray(offset, offset + (1 << 20)));
            controller.close();
          },
        })
      : upload;
    try {
      const response = await fetch(workerData.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' });
      results.push({ status: response.status, body: await response.text() });
    } catch (error) {
      results.push({ error: String(error.cause?.code ?? error.message) });
    }
  }
  parentPort.postMessage(results);
})();
`;
