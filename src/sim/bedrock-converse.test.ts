import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  CountTokensCommand,
  type Message,
  ServiceUnavailableException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SIM_AWS_CREDENTIALS, type Simulator, startSimulator } from './index.js';

// Bedrock Converse and ConverseStream, checked with the AWS SDK (HTTP/2, its default) as client.

let sim: Simulator;
let aws: BedrockRuntimeClient;

const MODEL = 'amazon.nova-pro-v1:0';

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 5 });
  aws = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `${sim.url}/hosts/nova`,
    credentials: SIM_AWS_CREDENTIALS,
    maxAttempts: 1,
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

const weatherTool = {
  toolSpec: {
    name: 'get_weather',
    description: 'Weather of a city',
    inputSchema: {
      json: {
        type: 'object',
        properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
        required: ['city'],
      },
    },
  },
};

function user(text: string): Message {
  return { role: 'user', content: [{ text }] };
}

/** Runs a ConverseStream call; answers the events in order and the error, if any. */
async function converseStream(
  input: Omit<ConstructorParameters<typeof ConverseStreamCommand>[0], 'modelId'>,
) {
  const events: ConverseStreamOutput[] = [];
  try {
    const output = await aws.send(new ConverseStreamCommand({ modelId: MODEL, ...input }));
    for await (const event of output.stream ?? []) events.push(event);
    return { events, error: undefined };
  } catch (error) {
    return { events, error: error as Error };
  }
}

function eventNames(events: ConverseStreamOutput[]): string[] {
  return events.map((event) => Object.keys(event).find((key) => key !== '$unknown') ?? '?');
}

function streamedText(events: ConverseStreamOutput[]): string {
  return events.map((event) => event.contentBlockDelta?.delta?.text ?? '').join('');
}

describe('Converse', () => {
  it('answers messages with system, inference config and usage', async () => {
    const output = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        system: [{ text: 'Be brief.' }],
        messages: [user('echo: hello there')],
        inferenceConfig: { maxTokens: 50, temperature: 0.2 },
      }),
    );
    expect(output.output?.message).toEqual({ role: 'assistant', content: [{ text: 'hello there' }] });
    expect(output.stopReason).toBe('end_turn');
    expect(output.usage).toMatchObject({ outputTokens: 2 });
    expect(output.usage?.totalTokens).toBe((output.usage?.inputTokens ?? 0) + 2);
    expect(sim.stats().hosts.nova?.recent[0]).toMatchObject({ model: MODEL });
  });

  it('honours maxTokens and stopSequences', async () => {
    const cut = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [user('echo: a b c d')],
        inferenceConfig: { maxTokens: 2 },
      }),
    );
    expect(cut).toMatchObject({
      stopReason: 'max_tokens',
      output: { message: { content: [{ text: 'a b' }] } },
    });
    const stopped = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [user('echo: a b STOP c')],
        inferenceConfig: { stopSequences: ['STOP'] },
      }),
    );
    expect(stopped.stopReason).toBe('stop_sequence');
  });

  it('makes a tool call and reads the tool result back', async () => {
    const first = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [user('Weather in Paris?')],
        toolConfig: { tools: [weatherTool], toolChoice: { auto: {} } },
      }),
    );
    expect(first.stopReason).toBe('tool_use');
    const call = first.output?.message?.content?.find((block) => block.toolUse !== undefined)?.toolUse;
    expect(call?.name).toBe('get_weather');
    expect((call?.input as { unit?: string } | undefined)?.unit).toBe('c');
    const assistant = first.output?.message as Message;
    const second = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [
          user('Weather in Paris?'),
          assistant,
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: call?.toolUseId ?? '', content: [{ json: { sky: 'clear' } }] } },
            ],
          },
        ],
        toolConfig: { tools: [weatherTool] },
      }),
    );
    expect(second.output?.message?.content).toEqual([{ text: 'The tool returned: {"sky":"clear"}' }]);
  });

  it('rejects tool blocks without toolConfig, as Bedrock does', async () => {
    const error = await aws
      .send(
        new ConverseCommand({
          modelId: MODEL,
          messages: [
            user('x'),
            {
              role: 'assistant',
              content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: {} } }],
            },
            { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'ok' }] } }] },
          ],
        }),
      )
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toContain('toolConfig');
  });

  it('answers JSON that fits the schema of outputConfig', async () => {
    const output = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [user('Weather as JSON')],
        outputConfig: {
          textFormat: {
            type: 'json_schema',
            structure: {
              jsonSchema: {
                name: 'weather',
                schema: JSON.stringify({
                  type: 'object',
                  properties: { unit: { enum: ['c'] } },
                  required: ['unit'],
                }),
              },
            },
          },
        },
      }),
    );
    const text = output.output?.message?.content?.[0]?.text ?? '';
    expect(JSON.parse(text)).toEqual({ unit: 'c' });
  });

  it('answers reasoning when the model fields enable it', async () => {
    const output = await aws.send(
      new ConverseCommand({
        modelId: MODEL,
        messages: [user('echo: x')],
        additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 1024 } },
      }),
    );
    const blocks = output.output?.message?.content as ContentBlock[];
    expect(blocks[0]?.reasoningContent?.reasoningText?.signature).toMatch(/^sim-sig-/);
    expect(blocks[1]?.text).toBe('x');
  });

  it('counts tokens of a converse input', async () => {
    const output = await aws.send(
      new CountTokensCommand({ modelId: MODEL, input: { converse: { messages: [user('twelve chars')] } } }),
    );
    expect(output.inputTokens).toBeGreaterThanOrEqual(3);
  });
});

describe('ConverseStream', () => {
  it('streams text deltas with no block start, then messageStop and metadata last', async () => {
    const { events, error } = await converseStream({ messages: [user('echo: one two three')] });
    expect(error).toBeUndefined();
    expect(eventNames(events)).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(streamedText(events)).toBe('one two three');
    expect(events.at(-2)?.messageStop?.stopReason).toBe('end_turn');
    expect(events.at(-1)?.metadata?.usage).toMatchObject({ outputTokens: 3 });
  });

  it('streams a tool call: block start with id and name, then input in pieces', async () => {
    const { events } = await converseStream({
      messages: [user('Weather?')],
      toolConfig: { tools: [weatherTool], toolChoice: { tool: { name: 'get_weather' } } },
    });
    const start = events.find((event) => event.contentBlockStart)?.contentBlockStart;
    expect(start?.start?.toolUse?.name).toBe('get_weather');
    expect(start?.start?.toolUse?.toolUseId).toMatch(/^tooluse_/);
    const input = events.map((event) => event.contentBlockDelta?.delta?.toolUse?.input ?? '').join('');
    expect(JSON.parse(input)).toMatchObject({ unit: 'c' });
    expect(events.filter((event) => event.contentBlockDelta).length).toBeGreaterThan(1);
    expect(events.find((event) => event.messageStop)?.messageStop?.stopReason).toBe('tool_use');
  });

  it('streams reasoning text and its signature', async () => {
    const { events } = await converseStream({
      messages: [user('echo: x')],
      additionalModelRequestFields: { reasoningConfig: { type: 'enabled' } },
    });
    const reasoning = events.map((event) => event.contentBlockDelta?.delta?.reasoningContent).filter(Boolean);
    expect(reasoning[0]?.text).toBe('Let me think this through.');
    expect(reasoning[1]?.signature).toMatch(/^sim-sig-/);
  });

  it('fails mid-stream with the exception frame the SDK throws', async () => {
    sim.setFault({
      host: 'nova',
      fault: {
        type: 'stream_error',
        afterChunks: 1,
        errorType: 'serviceUnavailableException',
        message: 'busy',
      },
    });
    const { events, error } = await converseStream({ messages: [user('echo: a b c')] });
    expect(streamedText(events)).toBe('a');
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect(error?.message).toBe('busy');
  });

  it('answers a status fault before the stream with the modeled exception', async () => {
    sim.setFault({ host: 'nova', fault: { type: 'status', status: 503 } });
    const { error } = await converseStream({ messages: [user('x')] });
    expect(error).toBeInstanceOf(ServiceUnavailableException);
    expect(error?.message).toBe('Bedrock is unable to process your request.');
  });

  it('stalls with the stream open; a caller that hangs up is counted as aborted', async () => {
    sim.setFault({ host: 'nova', fault: { type: 'stall', afterChunks: 1 } });
    const controller = new AbortController();
    const output = await aws.send(
      new ConverseStreamCommand({ modelId: MODEL, messages: [user('echo: a b c')] }),
      { abortSignal: controller.signal },
    );
    const texts: string[] = [];
    const reading = (async () => {
      for await (const event of output.stream ?? []) {
        texts.push(event.contentBlockDelta?.delta?.text ?? '');
        if (texts.includes('a')) controller.abort();
      }
    })().catch((caught: unknown) => caught);
    await reading;
    expect(texts).toContain('a');
    expect(texts).not.toContain(' b');
    await vi.waitFor(() => expect(sim.stats().hosts.nova?.aborted).toBe(1));
  });

  it('sends nothing at all on silence', async () => {
    sim.setFault({ host: 'nova', fault: { type: 'silence' } });
    const controller = new AbortController();
    const pending = aws
      .send(new ConverseCommand({ modelId: MODEL, messages: [user('x')] }), {
        abortSignal: controller.signal,
      })
      .catch((caught: unknown) => caught);
    await vi.waitFor(() => expect(sim.stats().hosts.nova?.requests).toBe(1));
    controller.abort();
    expect(((await pending) as Error).name).toBe('AbortError');
    await vi.waitFor(() => expect(sim.stats().hosts.nova?.aborted).toBe(1));
  });

  it('sends a frame with a bad checksum, and one whose payload is not JSON', async () => {
    sim.setFault({ host: 'nova', fault: { type: 'malformed_sse', afterChunks: 1 }, times: 1 });
    const badChecksum = await converseStream({ messages: [user('echo: a b')] });
    expect(streamedText(badChecksum.events)).toBe('a');
    expect(badChecksum.error?.message).toMatch(/checksum/i);
    sim.setFault({ host: 'nova', fault: { type: 'malformed_json' } });
    const notJson = await converseStream({ messages: [user('echo: a b')] });
    expect(eventNames(notJson.events)).toEqual(['messageStart']);
    expect(notJson.error).toBeInstanceOf(SyntaxError);
  });
});
