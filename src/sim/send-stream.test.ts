import { type ClientRequest, request as httpRequest } from 'node:http';
import {
  BedrockRuntimeClient,
  ConverseStreamCommand,
  type ConverseStreamOutput,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SimFault } from './fault.js';
import { SIM_AWS_CREDENTIALS, type Simulator, startSimulator } from './index.js';

// The faults that cut a stream after N content events, on each wire: exactly N content events
// arrive, then no finish event and no terminator. The answer is 60 tokens: `t1`, ` t2`… ` t60`.

let sim: Simulator;
/** Every delay the simulator waited out: one per content event sent. */
const waits: number[] = [];

const SIXTY = Array.from({ length: 60 }, (_, index) => `t${index + 1}`).join(' ');
const PROMPT = `echo: ${SIXTY}`;

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    wait: async (ms) => {
      waits.push(ms);
    },
  });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
  waits.length = 0;
});

/** The data of the SSE events of a body so far (LF or, as Google frames them, CRLF), parsed when JSON. */
function events(text: string): unknown[] {
  return text
    .split(/\r?\n\r?\n/)
    .flatMap((block) => block.split(/\r?\n/).filter((line) => line.startsWith('data: ')))
    .map((line) => {
      const data = line.slice(6);
      try {
        return JSON.parse(data) as unknown;
      } catch {
        return data;
      }
    });
}

/** A streamed response being read with `node:http`, which hands over every byte that arrived before a reset. */
interface OpenResponse {
  /** The body so far. */
  text(): string;
  /** Settles when the body ends (true) or the connection breaks first (false). */
  done: Promise<boolean>;
  /** Settles once the body so far satisfies `ready`. */
  until(ready: (text: string) => boolean): Promise<void>;
  /** Hangs up. */
  destroy(): void;
}

function open(url: string, headers: Record<string, string>, body: unknown): OpenResponse {
  let received = '';
  const watchers: Array<() => void> = [];
  let request: ClientRequest | undefined;
  const done = new Promise<boolean>((resolve) => {
    request = httpRequest(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
    });
    request.on('error', () => resolve(false));
    request.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        received += chunk;
        for (const watcher of [...watchers]) watcher();
      });
      response.on('end', () => resolve(true));
      response.on('error', () => resolve(false));
      response.on('close', () => resolve(response.complete));
    });
    request.end(JSON.stringify(body));
  });
  return {
    text: () => received,
    done,
    until: (ready) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (ready(received)) resolve();
        };
        watchers.push(check);
        check();
      }),
    destroy: () => request?.destroy(),
  };
}

const wires = {
  openai: {
    host: 'oai',
    path: '/v1/chat/completions',
    headers: {},
    body: { model: 'm', stream: true, messages: [{ role: 'user', content: PROMPT }] },
    /** Text of the content chunks, in order. */
    content: (all: unknown[]) =>
      all.flatMap((event) => {
        const content = (event as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0]?.delta
          ?.content;
        return content ? [content] : [];
      }),
    /** Whether the stream carried its finish event or terminator. */
    finished: (all: unknown[]) =>
      all.some(
        (event) =>
          event === '[DONE]' ||
          (event as { choices?: Array<{ finish_reason?: unknown }> }).choices?.[0]?.finish_reason != null,
      ),
  },
  anthropic: {
    host: 'ant',
    path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    body: { model: 'c', stream: true, max_tokens: 100, messages: [{ role: 'user', content: PROMPT }] },
    content: (all: unknown[]) =>
      all.flatMap((event) => {
        const delta = (event as { delta?: { type?: string; text?: string } }).delta;
        return delta?.type === 'text_delta' && delta.text !== undefined ? [delta.text] : [];
      }),
    // `content_block_stop` is content to the simulator: a cut can come after it, never after these.
    finished: (all: unknown[]) =>
      all.some((event) =>
        ['message_delta', 'message_stop'].includes((event as { type?: string }).type ?? ''),
      ),
  },
  gemini: {
    host: 'gem',
    path: '/v1beta/models/gemini-x:streamGenerateContent?alt=sse&key=gm-test',
    headers: {},
    body: { contents: [{ role: 'user', parts: [{ text: PROMPT }] }] },
    content: (all: unknown[]) =>
      all.flatMap((event) => {
        const text = (event as { candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }> })
          .candidates?.[0]?.content?.parts?.[0]?.text;
        return text ? [text] : [];
      }),
    finished: (all: unknown[]) =>
      all.some(
        (event) =>
          (event as { candidates?: Array<{ finishReason?: string }> }).candidates?.[0]?.finishReason !==
          undefined,
      ),
  },
} as const;

type WireName = keyof typeof wires;

function post(name: WireName, fault?: SimFault): OpenResponse {
  if (fault !== undefined) sim.setFault({ host: '*', fault });
  const wire = wires[name];
  return open(`${sim.url}/hosts/${wire.host}${wire.path}`, wire.headers, wire.body);
}

/** Reads a response to its end or break; answers the body and whether it ended cleanly. */
async function readAll(response: OpenResponse): Promise<{ text: string; ended: boolean }> {
  const ended = await response.done;
  return { text: response.text(), ended };
}

const tokens = (count: number) =>
  SIXTY.split(' ')
    .slice(0, count)
    .map((word, index) => (index === 0 ? word : ` ${word}`));

describe('sendStream', () => {
  it.each(Object.keys(wires) as WireName[])(
    'sends all 60 tokens and the finish without a fault (%s)',
    async (name) => {
      const { text, ended } = await readAll(post(name));
      expect(ended).toBe(true);
      expect(wires[name].content(events(text))).toEqual(tokens(60));
      expect(wires[name].finished(events(text))).toBe(true);
    },
  );

  it.each(Object.keys(wires) as WireName[])(
    'truncate_stream { afterChunks: 40 } ends the body cleanly after 40 of 60 tokens (%s)',
    async (name) => {
      const { text, ended } = await readAll(post(name, { type: 'truncate_stream', afterChunks: 40 }));
      expect(ended).toBe(true);
      expect(wires[name].content(events(text))).toEqual(tokens(40));
      expect(wires[name].finished(events(text))).toBe(false);
    },
  );

  it.each(Object.keys(wires) as WireName[])(
    'reset_mid_body { afterChunks: 40 } breaks the connection after 40 of 60 tokens (%s)',
    async (name) => {
      const { text, ended } = await readAll(post(name, { type: 'reset_mid_body', afterChunks: 40 }));
      expect(ended).toBe(false);
      expect(wires[name].content(events(text))).toEqual(tokens(40));
      expect(wires[name].finished(events(text))).toBe(false);
    },
  );

  it.each(Object.keys(wires) as WireName[])(
    'stall { afterChunks: 20 } goes silent after 20 tokens with the response open (%s)',
    async (name) => {
      const response = post(name, { type: 'stall', afterChunks: 20 });
      await response.until((text) => wires[name].content(events(text)).length >= 20);
      const text = response.text();
      // The simulator waits before every content event and writes the next one at once, so a 21st
      // would have been waited for before the 20th could arrive here.
      expect(waits).toHaveLength(20);
      expect(wires[name].content(events(text))).toEqual(tokens(20));
      expect(wires[name].finished(events(text))).toBe(false);
      response.destroy();
      // The response never ended: the hang-up counts as the caller's.
      await vi.waitFor(() => expect(sim.stats().hosts[wires[name].host]?.aborted).toBe(1));
    },
  );

  it('truncate_stream without afterChunks sends every token, then ends before the finish', async () => {
    const { text, ended } = await readAll(post('openai', { type: 'truncate_stream' }));
    expect(ended).toBe(true);
    expect(wires.openai.content(events(text))).toEqual(tokens(60));
    expect(wires.openai.finished(events(text))).toBe(false);
  });

  it('cuts before the finish when the answer has fewer content events than afterChunks', async () => {
    const truncated = await readAll(post('anthropic', { type: 'truncate_stream', afterChunks: 100 }));
    expect(wires.anthropic.content(events(truncated.text))).toEqual(tokens(60));
    expect(wires.anthropic.finished(events(truncated.text))).toBe(false);
    sim.clearFaults();
    const failed = await readAll(post('openai', { type: 'stream_error', afterChunks: 100 }));
    const all = events(failed.text);
    expect(wires.openai.content(all)).toEqual(tokens(60));
    expect(wires.openai.finished(all)).toBe(false);
    expect(all.at(-1)).toMatchObject({ error: { type: 'server_error' } });
  });
});

describe('sendStream on a binary stream (Bedrock ConverseStream)', () => {
  let aws: BedrockRuntimeClient;

  beforeAll(() => {
    aws = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: `${sim.url}/hosts/bed`,
      credentials: SIM_AWS_CREDENTIALS,
      maxAttempts: 1,
    });
  });

  afterAll(() => {
    aws.destroy();
  });

  async function converse(fault: SimFault) {
    sim.setFault({ host: 'bed', fault });
    const received: ConverseStreamOutput[] = [];
    try {
      const output = await aws.send(
        new ConverseStreamCommand({
          modelId: 'amazon.nova-pro-v1:0',
          messages: [{ role: 'user', content: [{ text: PROMPT }] }],
        }),
      );
      for await (const event of output.stream ?? []) received.push(event);
      return { received, error: undefined };
    } catch (error) {
      return { received, error: error as Error };
    }
  }

  const text = (received: ConverseStreamOutput[]) =>
    received.flatMap((event) =>
      event.contentBlockDelta?.delta?.text === undefined ? [] : [event.contentBlockDelta.delta.text],
    );

  it('truncate_stream { afterChunks: 40 } sends 40 token frames, then half a frame', async () => {
    const { received, error } = await converse({ type: 'truncate_stream', afterChunks: 40 });
    expect(text(received)).toEqual(tokens(40));
    expect(received.some((event) => event.messageStop !== undefined || event.metadata !== undefined)).toBe(
      false,
    );
    expect(error?.message).toBe('Truncated event message received.');
  });

  it('reset_mid_body { afterChunks: 40 } resets the HTTP/2 stream after 40 token frames', async () => {
    const { received, error } = await converse({ type: 'reset_mid_body', afterChunks: 40 });
    expect(text(received)).toEqual(tokens(40));
    expect(error?.message).toMatch(/NGHTTP2_INTERNAL_ERROR/);
  });
});
