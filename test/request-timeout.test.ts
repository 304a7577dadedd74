import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack, twoHostConfig } from './support/start-stack.js';

let stack: Stack;
const sockets = new Set<Socket>();

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `server: { requestTimeout: 300ms }\n${twoHostConfig(simUrl)}`,
  });
});

afterAll(async () => {
  // When the timeout is not honoured the stalled connection is still open: close would wait on it.
  for (const socket of sockets) socket.destroy();
  await stack.close();
});

/** Sends `text` on a fresh connection and resolves with everything received once the server closes it. */
function sendAndWaitForClose(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(stack.detour.port, '127.0.0.1');
    sockets.add(socket);
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

describe('server.requestTimeout', () => {
  it('answers 408 and closes a connection whose request body stalls', async () => {
    // Headers promise 200 bytes of body; only a few arrive, then the client goes quiet. With the
    // default 60 s this would outlast the test's own timeout.
    const received = await sendAndWaitForClose(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: detour\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"model":',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });
});
