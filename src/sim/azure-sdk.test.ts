import OpenAI, { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from './index.js';

// The Azure OpenAI routes, checked with the official `openai` SDK as the client: `AzureOpenAI` on the
// deployment URLs, the plain `OpenAI` client on Azure's v1 endpoint.

let sim: Simulator;
let azure: AzureOpenAI;
let v1: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 3 });
  azure = new AzureOpenAI({
    endpoint: `${sim.url}/hosts/az`,
    apiKey: 'az-key',
    apiVersion: '2024-10-21',
    deployment: 'gpt-4o-prod',
    maxRetries: 0,
  });
  v1 = new OpenAI({ baseURL: `${sim.url}/hosts/az/openai/v1`, apiKey: 'az-key', maxRetries: 0 });
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
  properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } },
  required: ['city'],
};

/** Azure's annotations, which the OpenAI SDK keeps as extra fields. */
interface Annotated {
  prompt_filter_results?: Array<{ content_filter_results: Record<string, { filtered: boolean }> }>;
  choices: Array<{ content_filter_results?: Record<string, { filtered: boolean }> }>;
}

describe('Azure OpenAI deployment URLs', () => {
  it('answers for the deployment in the path, with the api-key header and filter annotations', async () => {
    const completion = await azure.chat.completions.create({
      model: 'ignored-by-azure',
      messages: [{ role: 'user', content: 'echo: hello there' }],
    });
    expect(completion.choices[0]?.message.content).toBe('hello there');
    expect(completion.model).toBe('gpt-4o-prod');
    const annotated = completion as unknown as Annotated;
    expect(annotated.prompt_filter_results?.[0]?.content_filter_results.hate?.filtered).toBe(false);
    expect(annotated.choices[0]?.content_filter_results?.violence?.filtered).toBe(false);
    const seen = sim.stats().hosts.az?.recent[0];
    expect(seen).toMatchObject({
      model: 'gpt-4o-prod',
      path: '/openai/deployments/gpt-4o-prod/chat/completions',
    });
    expect(seen?.headers['api-key']).toBe('az-key');
  });

  it('streams past the opening chunk that has no choices', async () => {
    const stream = await azure.chat.completions.create({
      model: 'gpt-4o-prod',
      messages: [{ role: 'user', content: 'echo: one two three' }],
      stream: true,
    });
    const deltas: string[] = [];
    let openingFilters: unknown;
    for await (const chunk of stream) {
      if (chunk.choices.length === 0)
        openingFilters ??= (chunk as unknown as Annotated).prompt_filter_results;
      const delta = chunk.choices[0]?.delta.content;
      if (delta) deltas.push(delta);
    }
    expect(deltas).toEqual(['one', ' two', ' three']);
    expect(openingFilters).toBeDefined();
  });

  it('streams a tool call the SDK assembles', async () => {
    const completion = await azure.chat.completions
      .stream({
        model: 'gpt-4o-prod',
        messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
      })
      .finalChatCompletion();
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments).unit).toBe('c');
  });

  it("refuses a prompt with Azure's content-filter 400", async () => {
    sim.setFault({ host: 'az', fault: { type: 'content_filter' }, times: 1 });
    const error = await azure.chat.completions
      .create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.code).toBe('content_filter');
    expect(bad.param).toBe('prompt');
    expect(bad.error).toMatchObject({ innererror: { code: 'ResponsibleAIPolicyViolation' } });
  });

  it('cuts a filtered completion short with finish_reason content_filter, streamed or not', async () => {
    sim.setFault({ host: 'az', fault: { type: 'content_filter', stage: 'completion', afterChunks: 1 } });
    const stream = await azure.chat.completions.create({
      model: 'gpt-4o-prod',
      messages: [{ role: 'user', content: 'echo: a b c' }],
      stream: true,
    });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe('a');
    expect(finish).toBe('content_filter');
    const whole = await azure.chat.completions.create({
      model: 'gpt-4o-prod',
      messages: [{ role: 'user', content: 'echo: a b c' }],
    });
    expect(whole.choices[0]?.finish_reason).toBe('content_filter');
    expect((whole as unknown as Annotated).choices[0]?.content_filter_results?.hate?.filtered).toBe(true);
  });

  it("answers a bad key with Azure's 401, and a missing api-version with 404", async () => {
    const badKey = new AzureOpenAI({
      endpoint: `${sim.url}/hosts/az`,
      apiKey: 'bad-key',
      apiVersion: '2024-10-21',
      deployment: 'gpt-4o-prod',
      maxRetries: 0,
    });
    const error = await badKey.chat.completions
      .create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('401');
    const response = await fetch(`${sim.url}/hosts/az/openai/deployments/gpt-4o-prod/chat/completions`, {
      method: 'POST',
      headers: { 'api-key': 'az-key', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });

  it('renders a 429 fault in Azure shape with its headers', async () => {
    sim.setFault({
      host: 'az',
      fault: { type: 'status', status: 429, headers: { 'retry-after': '2' } },
      times: 1,
    });
    const error = await azure.chat.completions
      .create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.code).toBe('429');
    expect(limited.headers?.get('retry-after')).toBe('2');
  });
});

describe('Azure OpenAI v1 endpoint', () => {
  it('takes the deployment from the body and the key as a bearer token', async () => {
    const completion = await v1.chat.completions.create({
      model: 'gpt-4o-prod',
      messages: [{ role: 'user', content: 'echo: v1 works' }],
    });
    expect(completion.choices[0]?.message.content).toBe('v1 works');
    const seen = sim.stats().hosts.az?.recent[0];
    expect(seen).toMatchObject({ model: 'gpt-4o-prod', path: '/openai/v1/chat/completions' });
    expect(seen?.headers.authorization).toBe('Bearer az-key');
  });

  it('streams, and rejects a bad bearer key with 401', async () => {
    const stream = await v1.chat.completions.create({
      model: 'gpt-4o-prod',
      messages: [{ role: 'user', content: 'echo: x y' }],
      stream: true,
    });
    const deltas: string[] = [];
    for await (const chunk of stream)
      if (chunk.choices[0]?.delta.content) deltas.push(chunk.choices[0].delta.content);
    expect(deltas).toEqual(['x', ' y']);
    const bad = new OpenAI({ baseURL: `${sim.url}/hosts/az/openai/v1`, apiKey: 'bad-key', maxRetries: 0 });
    await expect(
      bad.chat.completions.create({ model: 'gpt-4o-prod', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
