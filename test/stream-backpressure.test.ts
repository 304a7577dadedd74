import { request as httpRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Stack, startStack } from './support/start-stack.js';

// A stream whose client reads slower than the host writes: Detour waits for the client's socket to
// drain instead of buffering the whole answer, and a client that leaves while Detour waits ends the
// request (counted as abandoned) instead of leaving it waiting for a drain that never comes.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
timeouts: { connect: 1s, firstToken: 5s, idle: 5s, total: 30s }
health: { probes: { enabled: false } }
`,
  });
});

afterAll(async () => {
  await stack.close();
});

// About 7 MB of server-sent events (one event per word): more than the loopback socket's buffers
// hold while the client does not read, so Detour's writes report a full buffer and must wait.
const WORDS = 40_000;
const LONG_ECHO = `echo: ${Array.from({ length: WORDS }, (_, index) => `w${index}`).join(' ')}`;

/** Opens a streamed chat request with Node's own client, whose reading the test controls. */
function openStream(): Promise<IncomingMessage> {
  const url = new URL(`${stack.detour.url}/v1/chat/completions`);
  const body = JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: LONG_ECHO }] });
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer client' },
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The text of an OpenAI stream's content deltas. */
function contentOf(sse: string): string {
  let text = '';
  for (const line of sse.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const chunk = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] };
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return text;
}

async function requestsCounted(outcome: string): Promise<number> {
  const metrics = await fetch(`${stack.detour.url}/metrics`).then((response) => response.text());
  const line = metrics
    .split('\n')
    .find((candidate) => candidate.startsWith(`detour_requests_total{model="m",outcome="${outcome}"} `));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Node's warnings emitted while `run` runs (a listener leak shows as MaxListenersExceededWarning). */
async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const listener = (warning: Error) => warnings.push(warning.name);
  process.on('warning', listener);
  try {
    await run();
    // Warnings are emitted on the next tick.
    await sleep(10);
  } finally {
    process.off('warning', listener);
  }
  return warnings;
}

/** Reads a whole response as text. */
async function readAll(response: IncomingMessage): Promise<string> {
  response.setEncoding('utf8');
  let text = '';
  response.on('data', (chunk: string) => {
    text += chunk;
  });
  await new Promise((resolve) => response.on('end', resolve));
  return text;
}

describe('a client that reads slowly', () => {
  it('gets the whole stream, in order, once it reads again', async () => {
    const warnings = await warningsDuring(() => readSlowly());
    // Each wait for a drain stops listening for the close it did not need (regression: one close
    // and two error listeners stayed on the response per wait).
    expect(warnings).toStrictEqual([]);
  });

  async function readSlowly(): Promise<void> {
    // How long the whole stream takes with a client that reads at once, on this machine now: the
    // paused client below is given twice that. Detour waiting for the reader can never end the
    // request while it does not read, however loaded the machine; Detour buffering the answer
    // instead would end it within about this time.
    const reference = performance.now();
    const succeeded = await requestsCounted('success');
    expect(contentOf(await readAll(await openStream()))).toContain(`w${WORDS - 1}`);
    await vi.waitFor(async () => expect(await requestsCounted('success')).toBe(succeeded + 1));
    const streamMs = performance.now() - reference;

    const response = await openStream();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.connection).toBe('keep-alive');
    response.pause();
    await vi.waitFor(() => expect(stack.sim.stats().hosts.a?.requests).toBe(2));
    await sleep(2 * streamMs);
    // Still in flight: Detour waits for the reader instead of buffering the rest and finishing.
    expect(await requestsCounted('success')).toBe(succeeded + 1);
    response.resume();
    const sse = await readAll(response);
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    await vi.waitFor(async () => expect(await requestsCounted('success')).toBe(succeeded + 2));
    expect(contentOf(sse).trim().split(' ')).toStrictEqual(
      Array.from({ length: WORDS }, (_, index) => `w${index}`),
    );
  }

  it('ends the request as abandoned when the client leaves while Detour waits for it to read', async () => {
    const before = await requestsCounted('abandoned');
    const failuresBefore = await requestsCounted('transport');
    const response = await openStream();
    expect(response.statusCode).toBe(200);
    response.pause();
    await sleep(300);
    response.destroy();
    await vi.waitFor(async () => expect(await requestsCounted('abandoned')).toBe(before + 1), {
      timeout: 10_000,
    });
    expect(await requestsCounted('transport')).toBe(failuresBefore);
    expect(stack.detour.state.requestWindow('m')?.read(60_000).failures ?? 0).toBe(0);
  });
});
