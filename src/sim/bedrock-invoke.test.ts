import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import Anthropic from '@anthropic-ai/sdk';
import {
  BedrockRuntimeClient,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ModelNotReadyException,
  ModelStreamErrorException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_AWS_CREDENTIALS, type Simulator, startSimulator } from './index.js';

// Bedrock InvokeModel with Anthropic bodies, checked with the AWS SDK (HTTP/2, its default) and
// `@anthropic-ai/bedrock-sdk` (fetch, HTTP/1.1) as clients.

let sim: Simulator;
let aws: BedrockRuntimeClient;
let claude: AnthropicBedrock;

const MODEL = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 3 });
  aws = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `${sim.url}/hosts/bed`,
    credentials: SIM_AWS_CREDENTIALS,
    maxAttempts: 1,
  });
  claude = new AnthropicBedrock({
    awsAccessKey: SIM_AWS_CREDENTIALS.accessKeyId,
    awsSecretKey: SIM_AWS_CREDENTIALS.secretAccessKey,
    awsRegion: 'us-east-1',
    baseURL: `${sim.url}/hosts/bed`,
    // Without it the SDK would look for a Bedrock API key in the environment.
    apiKey: null,
    maxRetries: 0,
  });
});

afterAll(async () => {
  aws.destroy();
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const weather = {
  type: 'object' as const,
  properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
  required: ['city'],
};

function invokeBody(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 50,
    messages: [{ role: 'user', content: text }],
    ...extra,
  });
}

/** Streams an InvokeModelWithResponseStream call; answers the decoded Anthropic events and the error. */
async function invokeStream(text: string) {
  const events: Array<{ type: string } & Record<string, unknown>> = [];
  try {
    const output = await aws.send(
      new InvokeModelWithResponseStreamCommand({ modelId: MODEL, body: invokeBody(text) }),
    );
    for await (const part of output.body ?? []) {
      if (part.chunk?.bytes) events.push(JSON.parse(Buffer.from(part.chunk.bytes).toString('utf8')));
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error: error as Error };
  }
}

function textOf(events: Array<Record<string, unknown>>): string {
  return events.map((event) => (event.delta as { text?: string } | undefined)?.text ?? '').join('');
}

describe('InvokeModel (AWS SDK over HTTP/2)', () => {
  it('answers an Anthropic body, with the token counts and request id in headers', async () => {
    const output = await aws.send(
      new InvokeModelCommand({
        modelId: MODEL,
        contentType: 'application/json',
        accept: 'application/json',
        body: invokeBody('echo: hello there'),
      }),
    );
    const message = JSON.parse(Buffer.from(output.body).toString('utf8'));
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'hello there' }],
      usage: { output_tokens: 2 },
    });
    expect(output.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const seen = sim.stats().hosts.bed?.recent[0];
    // The AWS SDK escapes the model id's `:`; the simulator decodes the label once.
    expect(seen).toMatchObject({ model: MODEL, path: `/model/${encodeURIComponent(MODEL)}/invoke` });
    expect(seen?.headers[':authority']).toBeDefined();
    expect(sim.stats().hosts.bed?.aborted).toBe(0);
  });

  it('sends the token counts Bedrock puts in headers', async () => {
    const response = await fetch(`${sim.url}/hosts/bed/model/${MODEL}/invoke`, {
      method: 'POST',
      headers: { authorization: 'Bearer ABSKsimulator-bedrock-api-key', 'content-type': 'application/json' },
      body: invokeBody('echo: a b c'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amzn-bedrock-output-token-count')).toBe('3');
    expect(Number(response.headers.get('x-amzn-bedrock-input-token-count'))).toBeGreaterThan(0);
  });

  it('streams Anthropic events as base64 chunks, invocation metrics on the last', async () => {
    const { events, error } = await invokeStream('echo: one two three');
    expect(error).toBeUndefined();
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(textOf(events)).toBe('one two three');
    expect(events.at(-1)?.['amazon-bedrock-invocationMetrics']).toMatchObject({ outputTokenCount: 3 });
  });

  it('rejects a body without anthropic_version, or with a model, as ValidationException', async () => {
    const missing = await aws
      .send(
        new InvokeModelCommand({
          modelId: MODEL,
          body: JSON.stringify({ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
        }),
      )
      .catch((caught: unknown) => caught);
    expect(missing).toBeInstanceOf(ValidationException);
    expect((missing as ValidationException).message).toContain('anthropic_version');
    const withModel = await aws
      .send(new InvokeModelCommand({ modelId: MODEL, body: invokeBody('x', { model: MODEL }) }))
      .catch((caught: unknown) => caught);
    expect(withModel).toBeInstanceOf(ValidationException);
  });
});

describe('InvokeModel (@anthropic-ai/bedrock-sdk over HTTP/1.1)', () => {
  it('answers messages.create', async () => {
    const message = await claude.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'echo: hi you' }],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'hi you' }]);
    const seen = sim.stats().hosts.bed?.recent[0];
    // This SDK leaves `:` unescaped in the path; the same model id is recorded.
    expect(seen).toMatchObject({ model: MODEL, path: `/model/${MODEL}/invoke` });
    expect(seen?.headers.host).toBeDefined();
  });

  it('streams text the SDK assembles', async () => {
    const deltas: string[] = [];
    const message = await claude.messages
      .stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'echo: a b c' }] })
      .on('text', (delta) => deltas.push(delta))
      .finalMessage();
    expect(deltas).toEqual(['a', ' b', ' c']);
    expect(message.usage.output_tokens).toBe(3);
    expect(sim.stats().hosts.bed?.recent[0]?.path).toBe(`/model/${MODEL}/invoke-with-response-stream`);
  });

  it('makes a tool call, streamed, and reads the result back', async () => {
    const tools = [{ name: 'get_weather', input_schema: weather }];
    const first = await claude.messages
      .stream({ model: MODEL, max_tokens: 200, tools, messages: [{ role: 'user', content: 'Weather?' }] })
      .finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    expect(call?.type === 'tool_use' && call.name).toBe('get_weather');
    expect(call?.type === 'tool_use' && (call.input as { unit: string }).unit).toBe('c');
    const second = await claude.messages.create({
      model: MODEL,
      max_tokens: 200,
      tools,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: call?.type === 'tool_use' ? call.id : '', content: 'sunny' },
          ],
        },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'The tool returned: sunny' }]);
  });
});

describe('Bedrock faults on InvokeModel', () => {
  it('answers a status fault as the modeled exception the AWS SDK throws', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'status', status: 429 }, times: 1 });
    const error = await aws
      .send(new InvokeModelCommand({ modelId: MODEL, body: invokeBody('x') }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ThrottlingException);
    expect((error as ThrottlingException).$metadata.httpStatusCode).toBe(429);
    expect((error as ThrottlingException).message).toBe(
      'Too many requests, please wait before trying again.',
    );
  });

  it('names the exception after errorType when given', async () => {
    sim.setFault({
      host: 'bed',
      fault: { type: 'status', status: 429, errorType: 'ModelNotReadyException', message: 'warming up' },
    });
    const error = await aws
      .send(new InvokeModelCommand({ modelId: MODEL, body: invokeBody('x') }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelNotReadyException);
    expect((error as ModelNotReadyException).message).toBe('warming up');
  });

  it('gives @anthropic-ai/bedrock-sdk the status it maps to its own errors', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'status', status: 429 } });
    const error = await claude.messages
      .create({ model: MODEL, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect((error as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('x-amzn-errortype')).toMatch(
      /^ThrottlingException:/,
    );
  });

  it('fails a stream after content with the exception frame named by errorType', async () => {
    sim.setFault({
      host: 'bed',
      fault: { type: 'stream_error', afterChunks: 2, errorType: 'throttlingException' },
    });
    const { events, error } = await invokeStream('echo: a b c d');
    expect(textOf(events)).toBe('a b');
    expect(error).toBeInstanceOf(ThrottlingException);
  });

  it('sends modelStreamErrorException with the model status by default', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'stream_error', afterChunks: 0 } });
    const { events, error } = await invokeStream('echo: a b');
    expect(textOf(events)).toBe('');
    expect(error).toBeInstanceOf(ModelStreamErrorException);
    expect((error as ModelStreamErrorException).originalStatusCode).toBe(500);
  });

  it('sends an Anthropic error type in band, in a chunk, which @anthropic-ai/bedrock-sdk raises', async () => {
    sim.setFault({
      host: 'bed',
      fault: { type: 'stream_error', afterChunks: 1, errorType: 'overloaded_error' },
    });
    const { events } = await invokeStream('echo: a b');
    expect(events.at(-1)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
    const error = await claude.messages
      .stream({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'echo: a b' }] })
      .finalMessage()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(String(error)).toContain('overloaded_error');
  });

  it('sends a frame with a bad checksum', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'malformed_sse', afterChunks: 1 } });
    const { events, error } = await invokeStream('echo: a b');
    expect(textOf(events)).toBe('a');
    expect(error?.message).toMatch(/checksum/i);
  });

  it('sends a chunk whose payload is not JSON', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'malformed_json' } });
    const { events, error } = await invokeStream('echo: a b');
    expect(events.map((event) => event.type)).toEqual(['message_start', 'content_block_start']);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('cuts the stream mid-frame on truncate_stream', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'truncate_stream' } });
    const { events, error } = await invokeStream('echo: a b');
    expect(textOf(events)).toBe('a b');
    expect(events.some((event) => event.type === 'message_stop')).toBe(false);
    expect(error?.message).toBe('Truncated event message received.');
  });

  it('resets the HTTP/2 stream mid-body', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'reset_mid_body', afterChunks: 1 } });
    const { events, error } = await invokeStream('echo: a b c');
    expect(textOf(events)).toBe('a');
    expect(error?.message).toMatch(/NGHTTP2_INTERNAL_ERROR/);
    expect(sim.stats().hosts.bed?.aborted).toBe(0);
  });

  it('turns a stream_error into its status when the request did not stream', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'stream_error', errorType: 'throttlingException' } });
    const error = await aws
      .send(new InvokeModelCommand({ modelId: MODEL, body: invokeBody('x') }))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ThrottlingException);
  });
});
