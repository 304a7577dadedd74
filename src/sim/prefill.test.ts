import AnthropicBedrock from '@anthropic-ai/bedrock-sdk';
import Anthropic from '@anthropic-ai/sdk';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type Message,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIM_AWS_CREDENTIALS, type Simulator, startSimulator } from './index.js';

// Assistant prefills (continuing a partial answer) on every wire that has them, checked with the
// vendors' official SDKs as clients. The full answer to `echo: one two three four` is
// `one two three four`; a prefill of `one two` is continued with ` three four`.

let sim: Simulator;
let openai: OpenAI;
let anthropic: Anthropic;
let bedrockClaude: AnthropicBedrock;
let aws: BedrockRuntimeClient;

const ECHO = 'echo: one two three four';
const BEDROCK_CLAUDE = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 11 });
  openai = new OpenAI({ baseURL: `${sim.url}/hosts/oai/v1`, apiKey: 'sk-test', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: `${sim.url}/hosts/ant`, apiKey: 'ant-test', maxRetries: 0 });
  bedrockClaude = new AnthropicBedrock({
    awsAccessKey: SIM_AWS_CREDENTIALS.accessKeyId,
    awsSecretKey: SIM_AWS_CREDENTIALS.secretAccessKey,
    awsRegion: 'us-east-1',
    baseURL: `${sim.url}/hosts/bed`,
    apiKey: null,
    maxRetries: 0,
  });
  aws = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `${sim.url}/hosts/bed`,
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

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );
}

function prefilled(prefill: string): Anthropic.MessageParam[] {
  return [
    { role: 'user', content: ECHO },
    { role: 'assistant', content: prefill },
  ];
}

describe('Anthropic prefill', () => {
  it('continues a trailing assistant message with only the rest, counting the prefill as input', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: prefilled('one two'),
    });
    expect(message).toMatchObject({
      role: 'assistant',
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: ' three four' }],
    });
    // Input: every string of the messages, roles included, over 4: (4 + 24 + 9 + 7) / 4.
    expect(message.usage).toMatchObject({ input_tokens: 11, output_tokens: 2 });
    const fresh = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: [{ role: 'user', content: ECHO }],
    });
    expect(fresh.usage).toMatchObject({ input_tokens: 7, output_tokens: 4 });
  });

  it('streams only the continuation, with its usage', async () => {
    const deltas: string[] = [];
    const message = await anthropic.messages
      .stream({ model: 'claude-x', max_tokens: 50, messages: prefilled('one two') })
      .on('text', (delta) => deltas.push(delta))
      .finalMessage();
    expect(deltas).toEqual([' three', ' four']);
    expect(message.usage).toMatchObject({ input_tokens: 11, output_tokens: 2 });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('continues mid-word, and answers afresh a prefill its answer does not start with', async () => {
    const midWord = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: prefilled('one tw'),
    });
    expect(midWord.content).toEqual([{ type: 'text', text: 'o three four' }]);
    const ignored = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: prefilled('five'),
    });
    expect(ignored.content).toEqual([{ type: 'text', text: 'one two three four' }]);
    expect(ignored.usage.output_tokens).toBe(4);
  });

  it('answers a prefill that is already the whole answer with no text', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: prefilled('one two three four'),
    });
    expect(message).toMatchObject({ stop_reason: 'end_turn', content: [] });
  });

  it('applies max_tokens and stop_sequences to the continuation only', async () => {
    const limited = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 1,
      messages: prefilled('one two'),
    });
    expect(limited).toMatchObject({ stop_reason: 'max_tokens', content: [{ type: 'text', text: ' three' }] });
    const stopped = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      stop_sequences: ['two', 'four'],
      messages: prefilled('one two'),
    });
    expect(stopped).toMatchObject({
      stop_reason: 'stop_sequence',
      stop_sequence: 'four',
      content: [{ type: 'text', text: ' three ' }],
    });
  });

  it('continues the answer to a tool result', async () => {
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
        { role: 'assistant', content: 'The tool' },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: ' returned: sunny' }]);
  });

  it('rejects a prefill ending in whitespace with 400 invalid_request_error, streaming or not', async () => {
    const expected = {
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'messages: final assistant content cannot end with trailing whitespace',
      },
    };
    const error = await caught(
      anthropic.messages.create({ model: 'claude-x', max_tokens: 50, messages: prefilled('one two ') }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual(expected);
    const streamed = await caught(
      anthropic.messages
        .stream({ model: 'claude-x', max_tokens: 50, messages: prefilled('one\n') })
        .finalMessage(),
    );
    expect(streamed).toBeInstanceOf(Anthropic.BadRequestError);
    expect((streamed as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual(expected);
  });

  it('with thinking on, takes a prefill only behind its thinking block, and adds no new thinking', async () => {
    const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
    const error = await caught(
      anthropic.messages.create({
        model: 'claude-x',
        max_tokens: 2000,
        thinking,
        messages: prefilled('one two'),
      }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String(error)).toContain('a final `assistant` message must start with a thinking block');
    const message = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 2000,
      thinking,
      messages: [
        { role: 'user', content: ECHO },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Let me think this through.', signature: 'sim-sig-1' },
            { type: 'text', text: 'one two' },
          ],
        },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: ' three four' }]);
    expect(message.usage.output_tokens).toBe(2);
  });
});

describe('Claude on Bedrock prefill', () => {
  it('continues a trailing assistant message on InvokeModel, streamed or not', async () => {
    const message = await bedrockClaude.messages.create({
      model: BEDROCK_CLAUDE,
      max_tokens: 50,
      messages: prefilled('one two'),
    });
    expect(message.content).toEqual([{ type: 'text', text: ' three four' }]);
    expect(message.usage.output_tokens).toBe(2);
    const deltas: string[] = [];
    await bedrockClaude.messages
      .stream({ model: BEDROCK_CLAUDE, max_tokens: 50, messages: prefilled('one two') })
      .on('text', (delta) => deltas.push(delta))
      .finalMessage();
    expect(deltas).toEqual([' three', ' four']);
  });

  it('rejects trailing whitespace on InvokeModel as a 400 with the model message', async () => {
    const error = await caught(
      bedrockClaude.messages.create({ model: BEDROCK_CLAUDE, max_tokens: 50, messages: prefilled('one ') }),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String(error)).toContain('final assistant content cannot end with trailing whitespace');
  });

  const converseMessages = (prefill: string): Message[] => [
    { role: 'user', content: [{ text: ECHO }] },
    { role: 'assistant', content: [{ text: prefill }] },
  ];

  it('continues a trailing assistant message on Converse and ConverseStream', async () => {
    const output = await aws.send(
      new ConverseCommand({ modelId: BEDROCK_CLAUDE, messages: converseMessages('one two') }),
    );
    expect(output.output?.message?.content).toEqual([{ text: ' three four' }]);
    expect(output.usage?.outputTokens).toBe(2);
    const streamed = await aws.send(
      new ConverseStreamCommand({ modelId: BEDROCK_CLAUDE, messages: converseMessages('one two') }),
    );
    const deltas: string[] = [];
    for await (const event of streamed.stream ?? []) {
      const text = event.contentBlockDelta?.delta?.text;
      if (text !== undefined) deltas.push(text);
    }
    expect(deltas).toEqual([' three', ' four']);
  });

  it('rejects trailing whitespace on Converse as a ValidationException from the model', async () => {
    const error = await caught(
      aws.send(new ConverseCommand({ modelId: BEDROCK_CLAUDE, messages: converseMessages('one two\n') })),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toBe(
      'The model returned the following errors: messages: final assistant content cannot end with trailing whitespace',
    );
  });
});

/** DeepSeek's flag on a message, vLLM's on the body: fields the OpenAI SDK's types do not have. */
type PrefixMessage = OpenAI.ChatCompletionAssistantMessageParam & { prefix: boolean };
interface VllmFlags {
  continue_final_message?: boolean;
  add_generation_prompt?: boolean;
}

function withPrefix(prefill: string): OpenAI.ChatCompletionMessageParam[] {
  const last: PrefixMessage = { role: 'assistant', content: prefill, prefix: true };
  return [{ role: 'user', content: ECHO }, last];
}

function trailing(prefill: string): OpenAI.ChatCompletionMessageParam[] {
  return [
    { role: 'user', content: ECHO },
    { role: 'assistant', content: prefill },
  ];
}

async function streamedDeltas(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  const deltas: string[] = [];
  let usage: OpenAI.CompletionUsage | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta.content;
    if (delta) deltas.push(delta);
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
  }
  return { deltas, usage, finish };
}

describe('OpenAI-format prefill', () => {
  it('continues DeepSeek `prefix: true`, counting the prefill as input', async () => {
    const completion = await openai.chat.completions.create({
      model: 'deepseek-chat',
      messages: withPrefix('one two'),
    });
    expect(completion.choices[0]).toMatchObject({
      message: { content: ' three four' },
      finish_reason: 'stop',
    });
    // (4 + 24 + 9 + 7) / 4: the flag itself is no text.
    expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 2, total_tokens: 13 });
  });

  it('streams the continuation of `prefix: true`, with its usage', async () => {
    const stream = await openai.chat.completions.create({
      model: 'deepseek-chat',
      messages: withPrefix('one two'),
      stream: true,
      stream_options: { include_usage: true },
    });
    const { deltas, usage, finish } = await streamedDeltas(stream);
    expect(deltas).toEqual([' three', ' four']);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 2 });
  });

  it('continues vLLM `continue_final_message` with `add_generation_prompt: false`, streamed or not', async () => {
    const body: OpenAI.ChatCompletionCreateParamsNonStreaming & VllmFlags = {
      model: 'llama',
      messages: trailing('one two'),
      continue_final_message: true,
      add_generation_prompt: false,
    };
    const completion = await openai.chat.completions.create(body);
    expect(completion.choices[0]?.message.content).toBe(' three four');
    expect(completion.usage?.completion_tokens).toBe(2);
    const streamBody: OpenAI.ChatCompletionCreateParamsStreaming & VllmFlags = { ...body, stream: true };
    const { deltas } = await streamedDeltas(await openai.chat.completions.create(streamBody));
    expect(deltas).toEqual([' three', ' four']);
  });

  it('rejects `continue_final_message` unless `add_generation_prompt` is false, as vLLM does', async () => {
    const body = (flags: VllmFlags): OpenAI.ChatCompletionCreateParamsNonStreaming & VllmFlags => ({
      model: 'llama',
      messages: trailing('one two'),
      ...flags,
    });
    const both = await caught(
      openai.chat.completions.create(body({ continue_final_message: true, add_generation_prompt: true })),
    );
    expect(both).toBeInstanceOf(OpenAI.BadRequestError);
    expect((both as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      message: 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.',
    });
    const defaulted = await caught(openai.chat.completions.create(body({ continue_final_message: true })));
    expect(defaulted).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(defaulted)).toContain(
      'continue_final_message and add_generation_prompt are not compatible',
    );
  });

  it('answers afresh past a trailing assistant message without a flag, as OpenAI does', async () => {
    const completion = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: trailing('one two'),
    });
    expect(completion.choices[0]?.message.content).toBe('one two three four');
    expect(completion.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-x',
      messages: trailing('one two'),
      stream: true,
    });
    expect((await streamedDeltas(stream)).deltas.join('')).toBe('one two three four');
  });
});

describe('reject_prefill', () => {
  const unsupported =
    'This model does not support assistant message prefill. The conversation must end with a user message.';

  it('refuses an Anthropic prefill with 400 and answers requests without one, which do not use it up', async () => {
    sim.setFault({ host: 'ant', fault: { type: 'reject_prefill' }, times: 1 });
    const plain = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: [{ role: 'user', content: ECHO }],
    });
    expect(plain.content).toEqual([{ type: 'text', text: 'one two three four' }]);
    expect(sim.stats().hosts.ant).toMatchObject({ requests: 1, faulted: 0 });
    const error = await caught(
      anthropic.messages
        .stream({ model: 'claude-x', max_tokens: 50, messages: prefilled('one two') })
        .finalMessage(),
    );
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: unsupported },
    });
    expect(sim.stats().hosts.ant).toMatchObject({ requests: 2, faulted: 1 });
    expect(sim.stats().hosts.ant?.recent.map((record) => record.fault)).toEqual([
      undefined,
      'reject_prefill',
    ]);
    // `times: 1` used up by the prefill request: the next one is continued.
    const next = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: prefilled('one two'),
    });
    expect(next.content).toEqual([{ type: 'text', text: ' three four' }]);
  });

  it('refuses OpenAI-format prefills with invalid_request_error and answers a plain trailing assistant', async () => {
    sim.setFault({ host: 'oai', fault: { type: 'reject_prefill' } });
    const prefix = await caught(
      openai.chat.completions.create({ model: 'm', messages: withPrefix('one two') }),
    );
    expect(prefix).toBeInstanceOf(OpenAI.BadRequestError);
    expect((prefix as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      message: "Additional properties are not allowed ('prefix' was unexpected) - 'messages.1'",
    });
    const vllm: OpenAI.ChatCompletionCreateParamsNonStreaming & VllmFlags = {
      model: 'm',
      messages: trailing('one two'),
      continue_final_message: true,
      add_generation_prompt: false,
    };
    const continued = await caught(openai.chat.completions.create(vllm));
    expect(continued).toBeInstanceOf(OpenAI.BadRequestError);
    expect((continued as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      message: 'Unrecognized request argument supplied: continue_final_message',
    });
    const context = await openai.chat.completions.create({ model: 'm', messages: trailing('one two') });
    expect(context.choices[0]?.message.content).toBe('one two three four');
    expect(sim.stats().hosts.oai).toMatchObject({ requests: 3, faulted: 2 });
  });

  it('refuses a Converse prefill as a ValidationException with the model message', async () => {
    sim.setFault({ host: 'bed', fault: { type: 'reject_prefill' } });
    const error = await caught(
      aws.send(
        new ConverseCommand({
          modelId: BEDROCK_CLAUDE,
          messages: [
            { role: 'user', content: [{ text: ECHO }] },
            { role: 'assistant', content: [{ text: 'one' }] },
          ],
        }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toBe(
      `The model returned the following errors: ${unsupported}`,
    );
    const invoke = await caught(
      bedrockClaude.messages.create({ model: BEDROCK_CLAUDE, max_tokens: 50, messages: prefilled('one') }),
    );
    expect(invoke).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String(invoke)).toContain(unsupported);
  });
});
