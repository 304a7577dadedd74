import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ChatRequest, DetourError, systemClock } from '../core/index.js';
import { codecFor } from '../protocols/index.js';
import { SIM_AWS_CREDENTIALS, type Simulator, startSimulator } from '../sim/index.js';
import { ContinuationSeam } from './continuation-seam.js';
import type { OutgoingBody, PreparedCall, Provider } from './provider-kind.js';
import { createProvider } from './registry.js';
import {
  type AttemptInput,
  type AttemptTarget,
  addUsage,
  type ContinuationStyle,
  openStream,
  type StreamChunk,
  sendNonStream,
} from './send-attempt.js';
import { UpstreamTransport } from './upstream-transport.js';

let sim: Simulator;
let transport: UpstreamTransport;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 1 });
  transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
});

afterAll(async () => {
  await transport.close();
  await sim.close();
});

describe('openStream', () => {
  it('names the provider and deployment on an error the kind’s stream reader threw', async () => {
    // Bedrock's exception frames are classified by its event-stream reader, which knows no deployment.
    sim.setFault({
      host: 'br',
      fault: { type: 'stream_error', afterChunks: 0, errorType: 'modelTimeoutException' },
    });
    const provider = createProvider(
      'br',
      { protocol: 'bedrock', region: 'us-east-1', baseUrl: `${sim.url}/hosts/br`, ...SIM_AWS_CREDENTIALS },
      {},
    );
    const request: ChatRequest = {
      model: 'm',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'echo: hi' }] }],
      stream: true,
      metadata: {},
      vendorOptions: {},
    };
    const stream = openStream(
      {
        provider,
        deploymentId: 'br/amazon.nova-lite-v1:0',
        upstreamModel: 'amazon.nova-lite-v1:0',
        timeouts: { firstTokenMs: 5_000, idleMs: 5_000 },
      },
      {
        request,
        clientProtocol: 'openai-chat',
        rawBody: codecFor('openai-chat').encodeRequest(request, 'm'),
        clientHeaders: {},
        signal: new AbortController().signal,
        transport,
        clock: systemClock,
      },
    );
    let thrown: unknown;
    try {
      for await (const _chunk of stream) {
        // Nothing arrives before the exception.
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DetourError);
    expect(thrown).toMatchObject({
      failureClass: 'timeout',
      upstream: { provider: 'br', deployment: 'br/amazon.nova-lite-v1:0' },
    });
  });
});

/** A loopback host whose answer each test writes itself. */
interface Received {
  url: string | undefined;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

let host: Server;
let hostOrigin: string;
let answer: (response: ServerResponse, received: Received) => void;
const received: Received[] = [];
const openResponses = new Set<ServerResponse>();

beforeAll(async () => {
  host = createServer((request, response) => {
    openResponses.add(response);
    response.on('close', () => openResponses.delete(response));
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      const record: Received = {
        url: request.url,
        headers: request.headers,
        body: JSON.parse(text),
      };
      received.push(record);
      answer(response, record);
    });
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostOrigin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
});

afterEach(() => {
  received.length = 0;
  for (const response of openResponses) response.destroy();
});

afterAll(async () => {
  host.closeAllConnections();
  await new Promise<void>((resolve) => host.close(() => resolve()));
});

const clock = { now: () => 1_000_000 };

function openaiHost(name = 'oa'): Provider {
  return createProvider(name, { protocol: 'openai-chat', baseUrl: `${hostOrigin}/v1`, apiKey: 'k' });
}

function anthropicHost(name = 'an'): Provider {
  return createProvider(name, { protocol: 'anthropic-messages', baseUrl: hostOrigin, apiKey: 'k' });
}

function targetOf(provider: Provider, extra: Partial<AttemptTarget> = {}): AttemptTarget {
  return {
    provider,
    deploymentId: `${provider.name}/up-model`,
    upstreamModel: 'up-model',
    timeouts: { firstTokenMs: 10_000, idleMs: 10_000 },
    ...extra,
  };
}

const chatRequest = (stream: boolean): ChatRequest => ({
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream,
  metadata: {},
  vendorOptions: {},
});

function inputOf(stream: boolean, extra: Partial<AttemptInput> = {}): AttemptInput {
  return {
    request: chatRequest(stream),
    clientProtocol: 'openai-chat',
    rawBody: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream, x_unknown: { kept: true } },
    clientHeaders: {},
    signal: new AbortController().signal,
    transport,
    clock,
    ...extra,
  };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const completion = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'up-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
};

async function failure(promise: Promise<unknown>): Promise<DetourError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DetourError);
    return error as DetourError;
  }
  throw new Error('expected a failure');
}

function fieldsOf(error: DetourError) {
  return {
    code: error.code,
    failureClass: error.failureClass,
    message: error.message,
    status: error.status,
    timeout: error.timeout,
    upstream: error.upstream,
  };
}

async function drain(stream: AsyncGenerator<StreamChunk>): Promise<StreamChunk[]> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

async function streamFailure(stream: AsyncGenerator<StreamChunk>, chunks: StreamChunk[] = []) {
  return failure(
    (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })(),
  );
}

const sse = (data: unknown, event?: string) =>
  `${event === undefined ? '' : `event: ${event}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;

/**
 * An OpenAI stream of `pieces` content chunks of `text`, the first at once and the rest `gapMs`
 * apart, then the finish and the terminator.
 */
function drip(response: ServerResponse, text: string, pieces: number, gapMs: number): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(sse(openaiChunk({ role: 'assistant', content: text })));
  let sent = 0;
  const timer = setInterval(() => {
    sent += 1;
    if (sent < pieces) {
      response.write(sse(openaiChunk({ content: text })));
      return;
    }
    clearInterval(timer);
    response.end(
      sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) + sse('[DONE]'),
    );
  }, gapMs);
}

/** One event of Anthropic's stream, named by its own type as Anthropic names them. */
const anthropicEvent = (data: { type: string } & Record<string, unknown>) => sse(data, data.type);

/** Anthropic's first stream event: a message with no content yet. */
const messageStart = (model: string, inputTokens: number) =>
  anthropicEvent({
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      usage: { input_tokens: inputTokens, output_tokens: 0 },
    },
  });

const openaiChunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: 'c1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'up-model',
  choices: [{ index: 0, delta, finish_reason: null }],
  ...extra,
});

describe('sendNonStream', () => {
  it('forwards the client’s own body with only the model swapped and returns the answer as it came', async () => {
    const text = `${JSON.stringify(completion)}\n`;
    answer = (response) => json(response, 200, text);
    const result = await sendNonStream(targetOf(openaiHost()), inputOf(false));
    expect(result).toStrictEqual({
      bodyText: text,
      usage: { inputTokens: 3, outputTokens: 2 },
      finishReason: 'stop',
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe('/v1/chat/completions');
    expect(received[0]?.body).toStrictEqual({
      model: 'up-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      x_unknown: { kept: true },
    });
  });

  it('leaves the finish reason out when the answer names none', async () => {
    answer = (response) => json(response, 200, { choices: [] });
    const result = await sendNonStream(targetOf(openaiHost()), inputOf(false));
    expect(result).toStrictEqual({ bodyText: '{"choices":[]}', usage: undefined });
  });

  it('re-encodes an answer in another wire format for the client', async () => {
    answer = (response) =>
      json(response, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'up-model',
        content: [{ type: 'text', text: 'Hello' }],
        stop_reason: 'max_tokens',
        stop_sequence: null,
        usage: { input_tokens: 4, output_tokens: 6 },
      });
    const result = await sendNonStream(targetOf(anthropicHost()), inputOf(false));
    expect(result.usage).toStrictEqual({ inputTokens: 4, outputTokens: 6 });
    expect(result.finishReason).toBe('length');
    const body = JSON.parse(result.bodyText);
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('up-model');
    expect(body.choices[0].message.content).toBe('Hello');
    expect(body.choices[0].finish_reason).toBe('length');
    // The host got its own format, encoded from the canonical request.
    expect(received[0]?.url).toBe('/v1/messages');
    expect(received[0]?.body.model).toBe('up-model');
    expect(received[0]?.body.x_unknown).toBeUndefined();
  });

  it('names the deployment’s model when the answer names none', async () => {
    answer = (response) =>
      json(response, 200, {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: '',
        content: [{ type: 'text', text: 'Hello' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 1, output_tokens: 1 },
      });
    const result = await sendNonStream(targetOf(anthropicHost()), inputOf(false));
    expect(JSON.parse(result.bodyText).model).toBe('up-model');
  });

  it('sends the attempt’s trace headers on top of the kind’s', async () => {
    answer = (response) => json(response, 200, completion);
    await sendNonStream(
      targetOf(openaiHost(), { traceHeaders: { traceparent: '00-abc-def-01', authorization: 'x' } }),
      inputOf(false),
    );
    expect(received[0]?.headers.traceparent).toBe('00-abc-def-01');
    expect(received[0]?.headers.authorization).toBe('x');
    expect(received[0]?.headers['content-type']).toBe('application/json');
  });

  it('sends the kind’s headers alone without trace headers', async () => {
    answer = (response) => json(response, 200, completion);
    await sendNonStream(targetOf(openaiHost()), inputOf(false));
    expect(received[0]?.headers.authorization).toBe('Bearer k');
    expect(received[0]?.headers.traceparent).toBeUndefined();
  });

  it('fails with bad_response when the body is not JSON', async () => {
    answer = (response) => json(response, 200, '<html>');
    const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_bad_response',
      failureClass: 'bad_response',
      message: 'upstream answered with a body that is not JSON',
      status: 502,
      timeout: undefined,
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it.each(['[1]', 'null', '3', '"text"'])(
    'fails with bad_response when the JSON body is %s',
    async (body) => {
      answer = (response) => json(response, 200, body);
      const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
      expect(fieldsOf(error)).toStrictEqual({
        code: 'upstream_bad_response',
        failureClass: 'bad_response',
        message: 'upstream answered with JSON that is not an object',
        status: 502,
        timeout: undefined,
        upstream: { provider: 'oa', deployment: 'oa/up-model' },
      });
    },
  );

  it('classifies a 400 answer from its status and body, naming the deployment', async () => {
    answer = (response) =>
      json(response, 400, { error: { message: 'bad temperature', type: 'invalid_request_error' } });
    const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
    expect(error.failureClass).toBe('client_error');
    expect(error.status).toBe(400);
    expect(error.message).toContain('bad temperature');
    expect(error.upstream).toStrictEqual({
      provider: 'oa',
      deployment: 'oa/up-model',
      status: 400,
      vendorType: 'invalid_request_error',
    });
  });

  it('classifies a 529 whose body is not JSON, with the clock for its Retry-After', async () => {
    answer = (response) => json(response, 529, 'upstream connect error', { 'retry-after': '7' });
    const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
    expect(error.failureClass).toBe('overloaded');
    expect(error.retryAfterMs).toBe(7_000);
    expect(error.upstream).toMatchObject({ provider: 'oa', deployment: 'oa/up-model', status: 529 });
  });

  it('reads an HTTP-date Retry-After against the attempt’s clock', async () => {
    const at = new Date(clock.now() + 30_000).toUTCString();
    answer = (response) => json(response, 529, '', { 'retry-after': at });
    const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
    expect(error.retryAfterMs).toBe(30_000);
  });

  it('classifies an error status even when its body breaks off', async () => {
    answer = (response) => {
      response.writeHead(500, { 'content-length': '100' });
      response.write('{"error":');
      setTimeout(() => response.destroy(), 20);
    };
    const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
    expect(error.failureClass).toBe('server_error');
    expect(error.upstream).toMatchObject({ provider: 'oa', deployment: 'oa/up-model', status: 500 });
  });

  it('fails with a first-token timeout when the headers take longer than firstTokenMs', async () => {
    answer = () => {
      // Never answers.
    };
    const error = await failure(
      sendNonStream(
        targetOf(openaiHost(), { timeouts: { firstTokenMs: 50, idleMs: 10_000 } }),
        inputOf(false),
      ),
    );
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_first_token_timeout',
      failureClass: 'timeout',
      message: 'upstream sent no response within the first-token timeout',
      status: 504,
      timeout: 'first_token',
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });

  it('fails with an idle timeout when the body stalls longer than idleMs', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"id":');
    };
    const error = await failure(
      sendNonStream(
        targetOf(openaiHost(), { timeouts: { firstTokenMs: 10_000, idleMs: 50 } }),
        inputOf(false),
      ),
    );
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_idle_timeout',
      failureClass: 'timeout',
      message: 'upstream stopped sending its response (idle timeout)',
      status: 504,
      timeout: 'idle',
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });

  it('fails with a transport error when the body breaks off', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"id":');
      setTimeout(() => response.destroy(), 20);
    };
    const error = await failure(sendNonStream(targetOf(openaiHost()), inputOf(false)));
    expect(error.code).toBe('upstream_transport_error');
    expect(error.failureClass).toBe('transport');
    expect(error.upstream).toStrictEqual({ provider: 'oa', deployment: 'oa/up-model' });
  });

  it('fails with a transport error when the host refuses the connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const provider = createProvider('gone', {
      protocol: 'openai-chat',
      baseUrl: `http://127.0.0.1:${port}/v1`,
    });
    const error = await failure(sendNonStream(targetOf(provider), inputOf(false)));
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_transport_error',
      failureClass: 'transport',
      message: 'upstream connection failed: ECONNREFUSED',
      status: 502,
      timeout: undefined,
      upstream: { provider: 'gone', deployment: 'gone/up-model' },
    });
  });

  it('fails with the abort reason when the request’s signal aborts', async () => {
    answer = () => {
      // Never answers.
    };
    const controller = new AbortController();
    const pending = failure(
      sendNonStream(targetOf(openaiHost()), inputOf(false, { signal: controller.signal })),
    );
    await until(() => received.length === 1);
    const reason = new DetourError('request_timeout', 'timeout', 'request deadline passed', {
      timeout: 'total',
    });
    controller.abort(reason);
    expect(await pending).toBe(reason);
  });

  it('fails with the abort reason when the signal aborts while the body is read', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"id":');
    };
    const controller = new AbortController();
    const pending = failure(
      sendNonStream(targetOf(openaiHost()), inputOf(false, { signal: controller.signal })),
    );
    await until(() => received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort(new Error('client went away'));
    expect(fieldsOf(await pending)).toStrictEqual({
      code: 'upstream_transport_error',
      failureClass: 'transport',
      message: 'upstream request failed: client went away',
      status: 502,
      timeout: undefined,
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });

  it('classifies a plain abort reason as a transport failure', async () => {
    answer = () => {
      // Never answers.
    };
    const controller = new AbortController();
    const pending = failure(
      sendNonStream(targetOf(openaiHost()), inputOf(false, { signal: controller.signal })),
    );
    await until(() => received.length === 1);
    controller.abort(new Error('client went away'));
    expect(fieldsOf(await pending)).toStrictEqual({
      code: 'upstream_transport_error',
      failureClass: 'transport',
      message: 'upstream request failed: client went away',
      status: 502,
      timeout: undefined,
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });
});

/** A kind whose call preparation fails or waits, around a real OpenAI-compatible one. */
function preparingHost(
  prepare: (outgoing: OutgoingBody, inner: Provider) => PreparedCall | Promise<PreparedCall>,
) {
  const inner = openaiHost('prep');
  const provider: Provider = {
    name: inner.name,
    kind: inner.kind,
    endpoint: inner.endpoint,
    vendorErrorClasses: inner.vendorErrorClasses,
    wireFor: (model) => inner.wireFor(model),
    prepareCall: (outgoing) => prepare(outgoing, inner),
    readStream: (body, model) => inner.readStream(body, model),
    readErrorDetails: (model, headers, parsed, text) => inner.readErrorDetails(model, headers, parsed, text),
  };
  return provider;
}

describe('sendNonStream with a kind that prepares its call', () => {
  it('waits for a call prepared asynchronously', async () => {
    answer = (response) => json(response, 200, completion);
    const provider = preparingHost(async (outgoing, inner) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return inner.prepareCall(outgoing);
    });
    const result = await sendNonStream(targetOf(provider), inputOf(false));
    expect(result.finishReason).toBe('stop');
  });

  it('names the deployment on a classified failure of the preparation', async () => {
    const cause = new Error('401 from the token endpoint');
    const refused = new DetourError('upstream_auth_failed', 'auth', 'token endpoint refused the key', {
      status: 401,
      retryAfterMs: 5,
      shouldRetry: false,
      param: 'p',
      timeout: 'connect',
      cause,
    });
    const provider = preparingHost(() => {
      throw refused;
    });
    const error = await failure(sendNonStream(targetOf(provider), inputOf(false)));
    expect(error).not.toBe(refused);
    expect({
      ...fieldsOf(error),
      retryAfterMs: error.retryAfterMs,
      shouldRetry: error.shouldRetry,
      param: error.param,
    }).toStrictEqual({
      code: 'upstream_auth_failed',
      failureClass: 'auth',
      message: 'token endpoint refused the key',
      status: 401,
      timeout: 'connect',
      upstream: { provider: 'prep', deployment: 'prep/up-model' },
      retryAfterMs: 5,
      shouldRetry: false,
      param: 'p',
    });
    expect(error.cause).toBe(cause);
    expect(received).toHaveLength(0);
  });

  it('keeps the deployment a classified failure already names', async () => {
    const refused = new DetourError('upstream_auth_failed', 'auth', 'no', {
      upstream: { provider: 'other', deployment: 'other/x' },
    });
    const provider = preparingHost(async () => {
      throw refused;
    });
    expect(await failure(sendNonStream(targetOf(provider), inputOf(false)))).toBe(refused);
  });

  it('passes an aborted preparation’s error on as it is', async () => {
    const controller = new AbortController();
    const reason = new DetourError('request_timeout', 'timeout', 'deadline', { timeout: 'total' });
    const provider = preparingHost(async (outgoing) => {
      controller.abort(reason);
      expect(outgoing.signal?.aborted).toBe(true);
      throw outgoing.signal?.reason;
    });
    const error = await failure(
      sendNonStream(targetOf(provider), inputOf(false, { signal: controller.signal })),
    );
    expect(error).toBe(reason);
    expect(error.upstream).toBeUndefined();
  });

  it('classifies a preparation’s plain error as a transport failure', async () => {
    const provider = preparingHost(() => {
      throw new Error('no route to token endpoint');
    });
    const error = await failure(sendNonStream(targetOf(provider), inputOf(false)));
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_transport_error',
      failureClass: 'transport',
      message: 'upstream request failed: no route to token endpoint',
      status: 502,
      timeout: undefined,
      upstream: { provider: 'prep', deployment: 'prep/up-model' },
    });
  });

  it('hands the kind the body, stream flag, client headers and signal', async () => {
    answer = (response) => json(response, 200, completion);
    const seen: OutgoingBody[] = [];
    const provider = preparingHost((outgoing, inner) => {
      seen.push(outgoing);
      return inner.prepareCall(outgoing);
    });
    const clientHeaders = { 'anthropic-beta': 'x' };
    await sendNonStream(targetOf(provider), inputOf(false, { clientHeaders }));
    expect(seen).toHaveLength(1);
    expect(seen[0]?.upstreamModel).toBe('up-model');
    expect(seen[0]?.stream).toBe(false);
    expect(seen[0]?.clientHeaders).toBe(clientHeaders);
    expect(seen[0]?.signal).toBeInstanceOf(AbortSignal);
    expect(seen[0]?.body.model).toBe('up-model');
  });
});

describe('openStream on a loopback host', () => {
  it('forwards a same-format stream as it came, with content, usage and finish marked', async () => {
    const frames = [
      sse(openaiChunk({ role: 'assistant', content: '' })),
      sse(openaiChunk({ content: 'Hel' })),
      sse(openaiChunk({ content: 'lo' })),
      sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      sse({ ...openaiChunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }),
      sse('[DONE]'),
    ];
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(chunks).toStrictEqual([
      { text: frames[0], content: false },
      { text: frames[1], content: true },
      { text: frames[2], content: true },
      { text: frames[3], content: false, finishReason: 'stop' },
      { text: frames[4], content: false, usage: { inputTokens: 3, outputTokens: 2 } },
      { text: frames[5], content: false },
    ]);
    expect(received[0]?.body).toStrictEqual({
      model: 'up-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      x_unknown: { kept: true },
    });
    expect(received[0]?.headers.accept).toBe('text/event-stream');
  });

  it('forwards plain deltas unparsed once content flows', async () => {
    const frames = [
      sse(openaiChunk({ role: 'assistant', content: '' })),
      sse(openaiChunk({ content: '' })),
      sse(openaiChunk({ content: 'Hi' })),
      sse(openaiChunk({ content: '' })),
      sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      sse('[DONE]'),
    ];
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true)));
    // An empty delta before content is parsed and found empty; after content it is not parsed at
    // all and counts as content.
    expect(chunks.map((chunk) => chunk.content)).toStrictEqual([false, false, true, true, false, false]);
    expect(chunks.map((chunk) => chunk.text)).toStrictEqual(frames);
  });

  it('reports the text and kind of each chunk when asked to track text', async () => {
    const frames = [
      sse(openaiChunk({ role: 'assistant', content: 'A' })),
      sse(openaiChunk({ content: 'B' })),
      sse(openaiChunk({ reasoning_content: 'thinking' })),
      sse(openaiChunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '' } }] })),
      sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      sse('[DONE]'),
    ];
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true, { trackText: true })));
    expect(chunks).toStrictEqual([
      { text: frames[0], content: true, delta: 'A' },
      { text: frames[1], content: true, delta: 'B' },
      { text: frames[2], content: true, nonText: true },
      { text: frames[3], content: true, nonText: true },
      // The decoder closes the open tool call before the finish.
      { text: frames[4], content: true, nonText: true, finishReason: 'stop' },
      { text: frames[5], content: false },
    ]);
  });

  it('re-encodes another wire format’s stream for the client and ends it the client’s way', async () => {
    const frames = [
      messageStart('', 5),
      anthropicEvent({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      anthropicEvent({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      anthropicEvent({ type: 'content_block_stop', index: 0 }),
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 1 },
      }),
      anthropicEvent({ type: 'message_stop' }),
    ];
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    };
    const request = { ...chatRequest(true), streamUsage: true };
    const chunks = await drain(openStream(targetOf(anthropicHost()), inputOf(true, { request })));
    const text = chunks.map((chunk) => chunk.text).join('');
    const events = text
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: '))
      .map((frame) => frame.slice('data: '.length));
    expect(events.at(-1)).toBe('[DONE]');
    const parsed = events.slice(0, -1).map((data) => JSON.parse(data));
    // The host named no model: the deployment's is used.
    expect(parsed.every((chunk) => chunk.model === 'up-model')).toBe(true);
    expect(parsed.map((chunk) => chunk.choices[0]?.delta?.content).join('')).toBe('Hi');
    expect(parsed.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(parsed.at(-1).usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 1 });
    expect(chunks.filter((chunk) => chunk.content)).toHaveLength(1);
    expect(chunks.filter((chunk) => chunk.finishReason === 'stop')).toHaveLength(1);
    // Messages that encode to nothing for the client (content_block_stop) yield no chunk.
    expect(chunks.filter((chunk) => chunk.text === '')).toStrictEqual([]);
    // The encoder's tail (usage, terminator) comes last.
    expect(chunks.at(-1)).toStrictEqual({
      text: expect.stringMatching(/usage.*\n\ndata: \[DONE\]\n\n$/),
      content: false,
    });
    expect(received[0]?.url).toBe('/v1/messages');
    expect(received[0]?.body.stream).toBe(true);
  });

  it('asks a host in another wire format for usage on a stream the client wants none of', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        sse(openaiChunk({ role: 'assistant', content: 'Hi' })) +
          sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          sse('[DONE]'),
      );
    };
    const chunks = await drain(
      openStream(targetOf(openaiHost()), inputOf(true, { clientProtocol: 'anthropic-messages' })),
    );
    expect(received[0]?.body.stream_options).toStrictEqual({ include_usage: true });
    expect(chunks.map((chunk) => chunk.text).join('')).toContain('event: message_stop');
  });

  it('reads a slow error body to the end, past the first-token limit', async () => {
    answer = (response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.write('{"error":{"message":"bad temperature",');
      setTimeout(() => response.end('"type":"invalid_request_error"}}'), 800);
    };
    const error = await streamFailure(
      openStream(targetOf(openaiHost(), { timeouts: { firstTokenMs: 300, idleMs: 10_000 } }), inputOf(true)),
    );
    expect(error.failureClass).toBe('client_error');
    expect(error.message).toContain('bad temperature');
    expect(error.upstream).toMatchObject({ vendorType: 'invalid_request_error' });
  });

  it('gives a client that wants no usage none from a host in another wire format', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        messageStart('up-model', 5) +
          anthropicEvent({
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'text', text: '' },
          }) +
          anthropicEvent({
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'text_delta', text: 'Hi' },
          }) +
          anthropicEvent({ type: 'content_block_stop', index: 0 }) +
          anthropicEvent({
            type: 'message_delta',
            delta: { stop_reason: 'end_turn' },
            usage: { output_tokens: 1 },
          }) +
          anthropicEvent({ type: 'message_stop' }),
      );
    };
    const chunks = await drain(openStream(targetOf(anthropicHost()), inputOf(true)));
    const text = chunks.map((chunk) => chunk.text).join('');
    expect(text).toContain('"content":"Hi"');
    expect(text).not.toContain('usage');
    // Detour still records the host's usage.
    expect(chunks.filter((chunk) => chunk.usage !== undefined).length).toBeGreaterThan(0);
  });

  it('ends cleanly at the terminator even without a finish reason', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse(openaiChunk({ role: 'assistant', content: 'Hi' })) + sse('[DONE]'));
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(chunks.map((chunk) => chunk.content)).toStrictEqual([true, false]);
  });

  it('limits each gap between chunks once content flows, not their sum', async () => {
    // Twenty pieces 60 ms apart: 1.2 s in all, each gap well inside the 1 s idle limit.
    answer = (response) => drip(response, 'a', 20, 60);
    const chunks = await drain(
      openStream(
        targetOf(openaiHost(), { timeouts: { firstTokenMs: 10_000, idleMs: 1_000 } }),
        inputOf(true),
      ),
    );
    expect(chunks.filter((chunk) => chunk.content)).toHaveLength(20);
  });

  it('reads a body on past its terminator rather than break the connection', async () => {
    let socket: Socket | undefined;
    let ended = false;
    answer = (response) => {
      socket = response.socket ?? undefined;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(
        sse(openaiChunk({ role: 'assistant', content: 'Hi' })) +
          sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          sse('[DONE]'),
      );
      setTimeout(() => response.write(sse(openaiChunk({ content: 'late' }))), 50);
      setTimeout(() => response.end(sse('[DONE]'), () => (ended = true)), 100);
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(chunks).toHaveLength(3);
    await until(() => ended || socket?.destroyed === true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The connection stays open for the next request.
    expect(socket?.destroyed).toBe(false);
  });

  it('stops its timers once the stream is over', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(
        sse(openaiChunk({ role: 'assistant', content: 'Hi' })) +
          sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          sse('[DONE]'),
      );
    };
    const signals: AbortSignal[] = [];
    const provider = preparingHost((outgoing, inner) => {
      if (outgoing.signal !== undefined) signals.push(outgoing.signal);
      return inner.prepareCall(outgoing);
    });
    await drain(
      openStream(targetOf(provider, { timeouts: { firstTokenMs: 1_000, idleMs: 200 } }), inputOf(true)),
    );
    // Past the idle limit: a timer left running would have aborted the signal by now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('counts reasoning as content only when it carries text, a signature or redacted data', async () => {
    const frames = [
      messageStart('up-model', 5),
      anthropicEvent({
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'thinking', thinking: '' },
      }),
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: '' },
      }),
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'thinking_delta', thinking: 'hmm' },
      }),
      anthropicEvent({
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'signature_delta', signature: 'sig' },
      }),
      anthropicEvent({ type: 'content_block_stop', index: 0 }),
      sse(
        {
          type: 'content_block_start',
          index: 1,
          content_block: { type: 'redacted_thinking', data: 'opaque' },
        },
        'content_block_start',
      ),
      anthropicEvent({ type: 'content_block_stop', index: 1 }),
      anthropicEvent({
        type: 'message_delta',
        delta: { stop_reason: 'end_turn' },
        usage: { output_tokens: 1 },
      }),
      anthropicEvent({ type: 'message_stop' }),
    ];
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    };
    const chunks = await drain(
      openStream(
        targetOf(anthropicHost()),
        inputOf(true, { clientProtocol: 'anthropic-messages', trackText: true }),
      ),
    );
    expect(chunks.map((chunk) => chunk.text)).toStrictEqual(frames);
    expect(chunks.map((chunk) => [chunk.content, chunk.nonText])).toStrictEqual([
      [false, undefined],
      [false, undefined],
      [false, undefined],
      [true, true],
      [true, true],
      [false, undefined],
      [true, true],
      [false, undefined],
      [false, undefined],
      [false, undefined],
    ]);
  });

  it('fails with bad_response when the stream ends before it finished', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse(openaiChunk({ role: 'assistant', content: 'Hel' })));
    };
    const chunks: StreamChunk[] = [];
    const error = await streamFailure(openStream(targetOf(openaiHost()), inputOf(true)), chunks);
    expect(chunks).toHaveLength(1);
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_bad_response',
      failureClass: 'bad_response',
      message: 'upstream stream ended before it finished',
      status: 502,
      timeout: undefined,
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });

  it('ends cleanly when the host finished but sent no terminator', async () => {
    const frames = [
      sse(openaiChunk({ role: 'assistant', content: 'Hi' })),
      sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }),
    ];
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(frames.join(''));
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(chunks.map((chunk) => chunk.finishReason)).toStrictEqual([undefined, 'length']);
  });

  it('fails with the host’s in-stream error, naming the deployment', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse({ error: { message: 'overloaded right now', type: 'server_error' } }));
    };
    const error = await streamFailure(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(error.failureClass).toBe('server_error');
    expect(error.message).toContain('overloaded right now');
    expect(error.upstream).toStrictEqual({ provider: 'oa', deployment: 'oa/up-model' });
  });

  it('classifies an HTTP error answer to a stream', async () => {
    answer = (response) =>
      json(
        response,
        429,
        { error: { message: 'slow down', type: 'rate_limit_error' } },
        { 'retry-after': '3' },
      );
    const error = await streamFailure(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(error.failureClass).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(3_000);
    expect(error.upstream).toMatchObject({ provider: 'oa', deployment: 'oa/up-model', status: 429 });
  });

  it('fails with a first-token timeout when only a role chunk arrives in time', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse(openaiChunk({ role: 'assistant', content: '' })));
    };
    const chunks: StreamChunk[] = [];
    const error = await streamFailure(
      openStream(targetOf(openaiHost(), { timeouts: { firstTokenMs: 100, idleMs: 60_000 } }), inputOf(true)),
      chunks,
    );
    expect(chunks).toHaveLength(1);
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_first_token_timeout',
      failureClass: 'timeout',
      message: 'upstream sent nothing for 100 ms (first token timeout)',
      status: 504,
      timeout: 'first_token',
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });

  it('fails with an idle timeout when content stops flowing', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse(openaiChunk({ role: 'assistant', content: 'Hel' })));
    };
    const chunks: StreamChunk[] = [];
    const error = await streamFailure(
      openStream(targetOf(openaiHost(), { timeouts: { firstTokenMs: 60_000, idleMs: 100 } }), inputOf(true)),
      chunks,
    );
    expect(chunks).toHaveLength(1);
    expect(fieldsOf(error)).toStrictEqual({
      code: 'upstream_idle_timeout',
      failureClass: 'timeout',
      message: 'upstream sent nothing for 100 ms (idle timeout)',
      status: 504,
      timeout: 'idle',
      upstream: { provider: 'oa', deployment: 'oa/up-model' },
    });
  });

  it('applies no first-token limit once content has come', async () => {
    // Each gap is shorter than idleMs, all of them together far longer than firstTokenMs.
    answer = (response) => drip(response, 'l', 6, 40);
    const chunks = await drain(
      openStream(targetOf(openaiHost(), { timeouts: { firstTokenMs: 60, idleMs: 2_000 } }), inputOf(true)),
    );
    expect(chunks.filter((chunk) => chunk.content)).toHaveLength(6);
  });

  it('fails with a transport error when the connection breaks mid-stream', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse(openaiChunk({ role: 'assistant', content: 'Hel' })));
      setTimeout(() => response.destroy(), 20);
    };
    const error = await streamFailure(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(error.code).toBe('upstream_transport_error');
    expect(error.upstream).toStrictEqual({ provider: 'oa', deployment: 'oa/up-model' });
  });

  it('ignores what a host sends after its terminator, and a break after it', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(
        sse(openaiChunk({ role: 'assistant', content: 'Hi' })) +
          sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) +
          sse('[DONE]') +
          sse(openaiChunk({ content: 'late' })),
      );
      setTimeout(() => response.destroy(), 50);
    };
    const chunks = await drain(openStream(targetOf(openaiHost()), inputOf(true)));
    expect(chunks.map((chunk) => chunk.text).join('')).not.toContain('late');
    expect(chunks).toHaveLength(3);
  });

  it('releases the upstream connection when the client stops reading', async () => {
    let closed = false;
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse(openaiChunk({ role: 'assistant', content: 'Hel' })));
      response.on('close', () => {
        closed = true;
      });
    };
    const stream = openStream(targetOf(openaiHost()), inputOf(true));
    const first = await stream.next();
    expect(first.done).toBe(false);
    await stream.return(undefined);
    await until(() => closed);
    expect(closed).toBe(true);
  });
});

describe('openStream continuing another host’s stream', () => {
  const continuation = (style: ContinuationStyle, sent: string, mode: 'prefill' | 'replay') => ({
    style,
    seam: new ContinuationSeam(sent, mode),
    usageBefore: { inputTokens: 10, outputTokens: 4 },
  });

  function finishFrames(texts: string[]) {
    return [
      ...texts.map((text, index) =>
        sse(openaiChunk(index === 0 ? { role: 'assistant', content: text } : { content: text })),
      ),
      sse({ ...openaiChunk({}), choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
      sse({ ...openaiChunk({}), choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }),
      sse('[DONE]'),
    ];
  }

  function streamed(chunks: StreamChunk[]) {
    return chunks
      .map((chunk) => chunk.text)
      .join('')
      .split('\n\n')
      .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
      .map((frame) => JSON.parse(frame.slice('data: '.length)));
  }

  it('replays the request and passes on only what goes beyond the client’s text', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(finishFrames(['Hello', ' wor', 'ld']).join(''));
    };
    const chunks = await drain(
      openStream(
        targetOf(openaiHost()),
        inputOf(true, {
          request: { ...chatRequest(true), streamUsage: true },
          trackText: true,
          continuation: continuation('replay', 'Hello w', 'replay'),
        }),
      ),
    );
    const parsed = streamed(chunks);
    // The client's stream is already open: no new role chunk.
    expect(parsed.some((chunk) => chunk.choices[0]?.delta?.role !== undefined)).toBe(false);
    expect(parsed.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('orld');
    expect(chunks.map((chunk) => chunk.delta ?? '').join('')).toBe('orld');
    // The client's usage adds the earlier attempt's; the chunk reports the host's own.
    expect(parsed.at(-1).usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 6 });
    expect(chunks.filter((chunk) => chunk.usage !== undefined).map((chunk) => chunk.usage)).toStrictEqual([
      { inputTokens: 3, outputTokens: 2 },
    ]);
    expect(chunks.at(-1)).toStrictEqual({
      text: expect.stringMatching(/usage.*\n\ndata: \[DONE\]\n\n$/),
      content: false,
    });
    // A replay is encoded from the canonical request, asking for usage.
    expect(received[0]?.body.stream_options).toStrictEqual({ include_usage: true });
    expect(received[0]?.body.x_unknown).toBeUndefined();
  });

  it('meets the first-token limit with text a replay holds back', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse(openaiChunk({ role: 'assistant', content: 'Hel' })));
      setTimeout(() => response.end(finishFrames(['lo', ' world']).slice(0).join('')), 800);
    };
    const chunks = await drain(
      openStream(
        targetOf(openaiHost(), { timeouts: { firstTokenMs: 300, idleMs: 10_000 } }),
        inputOf(true, { trackText: true, continuation: continuation('replay', 'Hello w', 'replay') }),
      ),
    );
    expect(chunks.map((chunk) => chunk.delta ?? '').join('')).toBe('orld');
  });

  it('fails when a replay does not begin with the client’s text', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(finishFrames(['Goodbye', ' world']).join(''));
    };
    const error = await streamFailure(
      openStream(
        targetOf(openaiHost()),
        inputOf(true, { continuation: continuation('replay', 'Hello w', 'replay') }),
      ),
    );
    expect(error).toBeInstanceOf(DetourError);
    expect(error.upstream).toStrictEqual({ provider: 'oa', deployment: 'oa/up-model' });
  });

  it('passes on the text a prefill seam held back when the host finishes', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(finishFrames(['Hello', ' w', 'orld']).join(''));
    };
    const chunks = await drain(
      openStream(
        targetOf(openaiHost()),
        inputOf(true, { trackText: true, continuation: continuation('assistant', 'Hi', 'prefill') }),
      ),
    );
    // Short pieces are held back to look for a restatement of the client's text, then come with the finish.
    const finish = chunks.find((chunk) => chunk.finishReason !== undefined);
    expect(finish?.content).toBe(true);
    expect(finish?.delta).toBe('Hello world');
    const parsed = streamed(finish === undefined ? [] : [finish]);
    expect(parsed.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Hello world');
    expect(chunks.map((chunk) => chunk.delta ?? '').join('')).toBe('Hello world');
  });

  it('marks the last assistant message for a DeepSeek-style prefix', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(finishFrames([' more']).join(''));
    };
    const request: ChatRequest = {
      ...chatRequest(true),
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
      ],
    };
    const chunks = await drain(
      openStream(
        targetOf(openaiHost()),
        inputOf(true, {
          request,
          trackText: true,
          continuation: continuation('deepseek-prefix', 'Hello', 'prefill'),
        }),
      ),
    );
    expect(chunks.map((chunk) => chunk.delta ?? '').join('')).toBe(' more');
    const messages = received[0]?.body.messages as Array<Record<string, unknown>>;
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', prefix: true });
    expect(messages[0]?.prefix).toBeUndefined();
    expect(received[0]?.body.continue_final_message).toBeUndefined();
    // Encoded from the canonical request, always asking for usage.
    expect(received[0]?.body.stream_options).toStrictEqual({ include_usage: true });
  });

  it('asks vLLM to continue the final message', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(finishFrames([' more']).join(''));
    };
    await drain(
      openStream(
        targetOf(openaiHost()),
        inputOf(true, { continuation: continuation('vllm-continue', 'Hello', 'prefill') }),
      ),
    );
    expect(received[0]?.body.continue_final_message).toBe(true);
    expect(received[0]?.body.add_generation_prompt).toBe(false);
    const messages = received[0]?.body.messages as Array<Record<string, unknown>>;
    expect(messages.some((message) => 'prefix' in message)).toBe(false);
  });

  it('changes nothing else for an Anthropic-style assistant prefill', async () => {
    answer = (response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(finishFrames([' more']).join(''));
    };
    await drain(
      openStream(
        targetOf(openaiHost()),
        inputOf(true, { continuation: continuation('assistant', 'Hello', 'prefill') }),
      ),
    );
    expect(received[0]?.body.continue_final_message).toBeUndefined();
    expect(received[0]?.body.add_generation_prompt).toBeUndefined();
    const messages = received[0]?.body.messages as Array<Record<string, unknown>>;
    expect(messages.some((message) => 'prefix' in message)).toBe(false);
  });
});

describe('addUsage', () => {
  it('adds the counts both report and keeps the optional ones either reports', () => {
    expect(
      addUsage({ inputTokens: 1, outputTokens: 2 }, { inputTokens: 10, outputTokens: 20 }),
    ).toStrictEqual({
      inputTokens: 11,
      outputTokens: 22,
    });
    expect(
      addUsage(
        { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, reasoningTokens: 0 },
        { inputTokens: 10, outputTokens: 20, cacheWriteTokens: 5, cacheReadTokens: 4 },
      ),
    ).toStrictEqual({
      inputTokens: 11,
      outputTokens: 22,
      cacheReadTokens: 7,
      cacheWriteTokens: 5,
      reasoningTokens: 0,
    });
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
