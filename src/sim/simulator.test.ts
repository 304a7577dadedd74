import { connect as connectHttp2 } from 'node:http2';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Simulator, startSimulator } from './index.js';

// The simulator's wire formats, checked with the vendors' official SDKs as clients.

let sim: Simulator;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 3 });
  openai = new OpenAI({ baseURL: `${sim.url}/hosts/oai/v1`, apiKey: 'sk-test', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: `${sim.url}/hosts/ant`, apiKey: 'ant-test', maxRetries: 0 });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const weather = {
  type: 'object',
  properties: { city: { type: 'string' }, days: { type: 'integer' }, unit: { enum: ['c', 'f'] } },
  required: ['city'],
};

describe('OpenAI-format hosts', () => {
  it('answers `echo:` with the text, with usage', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'echo: hello there' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-x');
    expect(completion.choices[0]?.message.content).toBe('hello there');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.completion_tokens).toBe(2);
    expect(sim.stats().hosts.oai?.requests).toBe(1);
    expect(sim.stats().hosts.oai?.recent[0]?.headers.authorization).toBe('Bearer sk-test');
  });

  it('is deterministic for a seed: the same prompt gets the same invented answer', async () => {
    const ask = () =>
      openai.chat.completions.create({
        model: 'gpt-x',
        messages: [{ role: 'user', content: 'Tell me a story' }],
      });
    const [first, second] = [await ask(), await ask()];
    expect(first.choices[0]?.message.content).toBe(second.choices[0]?.message.content);
    expect(first.choices[0]?.message.content?.split(' ').length).toBeGreaterThanOrEqual(12);
  });

  it('streams token by token with a final usage chunk and [DONE]', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'echo: one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) deltas.push(delta);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['one', ' two', ' three']);
    expect(usage?.completion_tokens).toBe(3);
  });

  it('calls the offered tool with arguments sampled from its schema, streamed in pieces', async () => {
    const completion = await openai.chat.completions
      .stream({
        model: 'gpt-x',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
        stream: true,
      })
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    const args = JSON.parse(call?.type === 'function' ? call.function.arguments : '{}') as Record<
      string,
      unknown
    >;
    expect(typeof args.city).toBe('string');
    expect(Number.isInteger(args.days)).toBe(true);
    expect(args.unit).toBe('c');
  });

  it('makes parallel tool calls when asked to use every tool', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'Use every tool.' }],
      tools: [
        { type: 'function', function: { name: 'a', parameters: { type: 'object', properties: {} } } },
        { type: 'function', function: { name: 'b', parameters: { type: 'object', properties: {} } } },
      ],
    });
    const calls = completion.choices[0]?.message.tool_calls ?? [];
    expect(calls.map((call) => (call.type === 'function' ? call.function.name : ''))).toEqual(['a', 'b']);
  });

  it('reads a tool result back', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
    });
    expect(completion.choices[0]?.message.content).toBe('The tool returned: sunny');
  });

  it('honours max_tokens and stop sequences', async () => {
    const cut = await openai.chat.completions.create({
      model: 'gpt-x',
      max_tokens: 2,
      messages: [{ role: 'user', content: 'echo: a b c d' }],
    });
    expect(cut.choices[0]).toMatchObject({ message: { content: 'a b' }, finish_reason: 'length' });
    const stopped = await openai.chat.completions.create({
      model: 'gpt-x',
      stop: ['STOP'],
      messages: [{ role: 'user', content: 'echo: a b STOP c' }],
    });
    expect(stopped.choices[0]).toMatchObject({ message: { content: 'a b ' }, finish_reason: 'stop' });
  });

  it('answers JSON mode with JSON that fits the schema', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'Weather as JSON' }],
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: weather } },
    });
    const value = JSON.parse(completion.choices[0]?.message.content ?? '') as Record<string, unknown>;
    expect(value.unit).toBe('c');
  });

  it('renders status faults as OpenAI errors the SDK understands, with headers', async () => {
    sim.setFault({
      host: 'oai',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '3' } },
      times: 1,
    });
    const error = await openai.chat.completions
      .create({ model: 'gpt-x', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('rate_limit_exceeded');
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toBe('3');
    // `times: 1` used up: the next request is answered.
    const next = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'echo: ok' }],
    });
    expect(next.choices[0]?.message.content).toBe('ok');
    expect(sim.stats().hosts.oai).toMatchObject({ requests: 2, faulted: 1 });
  });

  it('fails a stream part-way with an error event after the given number of chunks', async () => {
    sim.setFault({ host: 'oai', fault: { type: 'stream_error', afterChunks: 2 } });
    const stream = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'echo: a b c d' }],
      stream: true,
    });
    let text = '';
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((caught: unknown) => caught);
    expect(text).toBe('a b');
    expect(error).toBeInstanceOf(OpenAI.APIError);
  });

  it('scopes a fault to one model and rolls probabilities together', async () => {
    sim.setFault({ host: 'oai', model: 'bad', fault: { type: 'status', status: 500 } });
    const good = await openai.chat.completions.create({
      model: 'good',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(good.choices[0]?.message.content).toBeTruthy();
    await expect(
      openai.chat.completions.create({ model: 'bad', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    sim.clearFaults();
    sim.setFault({ host: 'oai', fault: { type: 'status', status: 529 }, probability: 0.4 });
    sim.setFault({ host: 'oai', fault: { type: 'status', status: 500 }, probability: 0.2 });
    const statuses: number[] = [];
    for (let index = 0; index < 200; index += 1) {
      const response = await fetch(`${sim.url}/hosts/oai/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      });
      statuses.push(response.status);
      await response.arrayBuffer();
    }
    const share = (status: number) => statuses.filter((value) => value === status).length / statuses.length;
    expect(share(529)).toBeGreaterThan(0.3);
    expect(share(529)).toBeLessThan(0.5);
    expect(share(500)).toBeGreaterThan(0.12);
    expect(share(500)).toBeLessThan(0.28);
  });
});

describe('Anthropic-format hosts', () => {
  it('answers a message with usage', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'echo: hello there' }],
    });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'hello there' }],
    });
    expect(message.usage.output_tokens).toBe(2);
    const seen = sim.stats().hosts.ant?.recent[0];
    // This SDK version sends the key as a bearer token; Anthropic accepts it there or in x-api-key.
    expect(seen?.headers.authorization).toBe('Bearer ant-test');
    expect(seen?.headers['anthropic-version']).toBeDefined();
  });

  it('streams every event type the SDK assembles, thinking and tool use included', async () => {
    const stream = anthropic.messages.stream({
      model: 'claude-x',
      max_tokens: 200,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: weather as Anthropic.Tool.InputSchema }],
      messages: [{ role: 'user', content: 'Weather?' }],
    });
    const types = new Set<string>();
    stream.on('streamEvent', (event) => types.add(event.type));
    const message = await stream.finalMessage();
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use']);
    const thinking = message.content[0];
    expect(thinking?.type === 'thinking' && thinking.signature).toMatch(/^sim-sig-/);
    const call = message.content[1];
    expect(call?.type === 'tool_use' && (call.input as { unit: string }).unit).toBe('c');
    expect([...types]).toEqual(
      expect.arrayContaining([
        'message_start',
        'content_block_start',
        'content_block_delta',
        'message_delta',
        'message_stop',
      ]),
    );
  });

  it('streams text deltas', async () => {
    const deltas: string[] = [];
    const message = await anthropic.messages
      .stream({
        model: 'claude-x',
        max_tokens: 50,
        messages: [{ role: 'user', content: 'echo: one two three' }],
      })
      .on('text', (delta) => deltas.push(delta))
      .finalMessage();
    expect(deltas).toEqual(['one', ' two', ' three']);
    expect(message.usage.output_tokens).toBe(3);
  });

  it('reads tool results and honours stop_sequences', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'rain END later' }],
        },
      ],
      stop_sequences: ['END'],
    });
    expect(message).toMatchObject({
      stop_reason: 'stop_sequence',
      stop_sequence: 'END',
      content: [{ type: 'text', text: 'The tool returned: rain ' }],
    });
  });

  it('answers 529 as overloaded_error', async () => {
    sim.setFault({ host: 'ant', fault: { type: 'status', status: 529 } });
    const error = await anthropic.messages
      .create({ model: 'claude-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain(
      'overloaded_error',
    );
  });

  it('sends an in-stream error event the SDK raises', async () => {
    sim.setFault({ host: 'ant', fault: { type: 'stream_error', afterChunks: 1 } });
    const deltas: string[] = [];
    const error = await anthropic.messages
      .stream({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'echo: a b c' }] })
      .on('text', (delta) => deltas.push(delta))
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(deltas).toEqual(['a']);
    expect(String(error)).toContain('Overloaded');
  });

  it('rejects a request without max_tokens as Anthropic does', async () => {
    const response = await fetch(`${sim.url}/hosts/ant/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('counts tokens', async () => {
    const counted = await anthropic.messages.countTokens({
      model: 'claude-x',
      messages: [{ role: 'user', content: 'twelve chars' }],
    });
    expect(counted.input_tokens).toBeGreaterThanOrEqual(3);
  });
});

describe('transport faults', () => {
  async function post(): Promise<string> {
    try {
      const response = await fetch(`${sim.url}/hosts/oai/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: 'echo: x y z' }],
          stream: true,
        }),
        signal: AbortSignal.timeout(2_000),
      });
      return `${response.status}:${await response.text()}`;
    } catch (error) {
      return `error:${(error as Error).name}`;
    }
  }

  it('resets before headers', async () => {
    sim.setFault({ host: 'oai', fault: { type: 'reset_before_headers' } });
    expect(await post()).toBe('error:TypeError');
  });

  /** Starts a stream that stalls after its first token; returns what came and the open reader. */
  async function readUntilStall() {
    sim.setFault({ host: 'oai', fault: { type: 'stall', afterChunks: 1 } });
    const response = await fetch(`${sim.url}/hosts/oai/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'echo: x y z' }],
        stream: true,
      }),
    });
    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('"content":"x"')) text += new TextDecoder().decode((await reader.read()).value);
    return { text, reader };
  }

  it('stalls after the given chunks with the connection open', async () => {
    const { text, reader } = await readUntilStall();
    expect(text).not.toContain('[DONE]');
    await reader.cancel();
  });

  it('counts a caller that hangs up mid-stream as aborted, not its own resets or finished answers', async () => {
    await post();
    sim.setFault({ host: 'oai', fault: { type: 'reset_mid_body', afterChunks: 1 }, times: 1 });
    await post();
    const { reader } = await readUntilStall();
    expect(sim.stats().hosts.oai?.aborted).toBe(0);
    await reader.cancel();
    await vi.waitFor(() => expect(sim.stats().hosts.oai?.aborted).toBe(1));
    expect(sim.stats().hosts.oai?.recent.map((record) => record.aborted ?? false)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('truncates a stream before its finish and [DONE]', async () => {
    sim.setFault({ host: 'oai', fault: { type: 'truncate_stream' } });
    const text = await post();
    expect(text).toContain('"content":" z"');
    expect(text).not.toContain('finish_reason":"stop');
    expect(text).not.toContain('[DONE]');
  });

  it('sends an event that is not JSON', async () => {
    sim.setFault({ host: 'oai', fault: { type: 'malformed_sse', afterChunks: 1 } });
    expect(await post()).toContain('data: {"choices": [{"delta": {"content": "unterminated');
  });

  it('takes faults over its control API', async () => {
    const added = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ host: 'oai', fault: { type: 'status', status: 503 } }),
    });
    expect(added.status).toBe(201);
    expect((await post()).startsWith('503:')).toBe(true);
    const bad = await fetch(`${sim.url}/_sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ host: 'oai', fault: { type: 'nonsense' } }),
    });
    expect(bad.status).toBe(400);
    await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' });
    expect((await post()).startsWith('200:')).toBe(true);
  });
});

describe('HTTP/2 with prior knowledge', () => {
  /** Posts a streamed chat request over h2c; answers the status, the body and the stream's reset code. */
  function postOverHttp2(): Promise<{ status: number; body: string; rstCode: number }> {
    return new Promise((resolve, reject) => {
      const session = connectHttp2(sim.url);
      session.on('error', reject);
      const stream = session.request({
        ':method': 'POST',
        ':path': '/hosts/oai/v1/chat/completions',
        'content-type': 'application/json',
      });
      let status = 0;
      let body = '';
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      stream.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      stream.on('error', () => {});
      stream.on('close', () => {
        session.close();
        resolve({ status, body, rstCode: stream.rstCode ?? 0 });
      });
      stream.end(
        JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'echo: x y z' }] }),
      );
    });
  }

  it('answers the same routes over h2c on the same port', async () => {
    const answer = await postOverHttp2();
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('"content":" z"');
    expect(answer.body).toContain('[DONE]');
    expect(sim.stats()).toMatchObject({ connections: 1, hosts: { oai: { requests: 1, aborted: 0 } } });
    expect(sim.stats().hosts.oai?.recent[0]?.headers[':authority']).toBe(new URL(sim.url).host);
  });

  it('resets only the stream on a mid-body reset, and does not count it as the caller abort', async () => {
    sim.setFault({ host: 'oai', fault: { type: 'reset_mid_body', afterChunks: 1 } });
    const answer = await postOverHttp2();
    expect(answer.body).toContain('"content":"x"');
    expect(answer.body).not.toContain('[DONE]');
    expect(answer.rstCode).toBe(2); // NGHTTP2_INTERNAL_ERROR
    expect(sim.stats().hosts.oai?.aborted).toBe(0);
  });
});

describe('injected waits', () => {
  it('waits out every delay through `wait`: first token, token interval and latency', async () => {
    const waits: number[] = [];
    const timed = await startSimulator({
      port: 0,
      tokenIntervalMs: 5,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    try {
      const client = new OpenAI({ baseURL: `${timed.url}/hosts/oai/v1`, apiKey: 'sk-test', maxRetries: 0 });
      timed.setFault({ host: 'oai', fault: { type: 'time_to_first_token', ms: 40_000 } });
      const stream = await client.chat.completions.create({
        model: 'gpt-x',
        stream: true,
        messages: [{ role: 'user', content: 'echo: one two' }],
      });
      for await (const _chunk of stream) {
        // drained
      }
      expect(waits).toEqual([40_000, 5]);
      waits.length = 0;
      timed.clearFaults();
      timed.setFault({ host: 'oai', fault: { type: 'latency', ms: 60_000 } });
      await client.chat.completions.create({
        model: 'gpt-x',
        messages: [{ role: 'user', content: 'echo: x' }],
      });
      expect(waits).toEqual([60_000, 0]);
    } finally {
      await timed.close();
    }
  });

  it('holds a silent connection for `closeAfterMs`, then closes it without a byte of response', async () => {
    const waits: number[] = [];
    const timed = await startSimulator({
      port: 0,
      wait: async (ms) => {
        waits.push(ms);
      },
    });
    try {
      timed.setFault({ host: 'oai', fault: { type: 'silence', closeAfterMs: 15_000 } });
      const outcome = await fetch(`${timed.url}/hosts/oai/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: x' }] }),
      }).then(
        (response) => `status ${response.status}`,
        (error: Error) => `${error.name}: ${String((error.cause as Error | undefined)?.message)}`,
      );
      expect(outcome).toBe('TypeError: other side closed');
      expect(waits).toEqual([15_000]);
      expect(timed.stats().hosts.oai).toMatchObject({ requests: 1, faulted: 1, aborted: 0 });
    } finally {
      await timed.close();
    }
  });
});
