import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_AWS_CREDENTIALS } from '../src/sim/index.js';
import { OffsetClock, seededRandom } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// SCENARIOS.md 26: one Claude model on three hosts of three kinds — Anthropic's API, Amazon Bedrock
// and Google Vertex AI — and Anthropic's API answers 529 to everything. Both surfaces, streaming and
// not, with tools and images, must get every answer from Bedrock or Vertex, assembled correctly by
// the official SDKs; the status page must say the Anthropic host is overloaded and the model is fine.

const MODEL = 'claude-sonnet-4.5';
const ANTHROPIC_ID = 'claude-sonnet-4-5';
const BEDROCK_ID = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const VERTEX_ID = 'claude-sonnet-4-5@20250929';
const FALLBACK_DEPLOYMENTS = [`bedrock/${BEDROCK_ID}`, `vertex/${VERTEX_ID}`];

/** A 1×1 PNG, as clients send images inline. */
const PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==';

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};

const clock = new OffsetClock();
let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

async function config(simUrl: string, sim: Stack['sim']): Promise<string> {
  const account = await sim.createServiceAccount({ projectId: 'proj-26' });
  const { accessKeyId, secretAccessKey } = SIM_AWS_CREDENTIALS;
  return `
providers:
  anthropic: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/anthropic, apiKey: key-anthropic }
  bedrock:   { protocol: bedrock, region: us-east-1, baseUrl: ${simUrl}/hosts/bedrock, accessKeyId: ${accessKeyId}, secretAccessKey: ${secretAccessKey} }
  vertex:    { protocol: vertex, project: proj-26, region: us-east5, credentials: ${account.keyFile}, baseUrl: ${simUrl}/hosts/vertex }
models:
  ${MODEL}:
    deployments:
      - { provider: anthropic, model: ${ANTHROPIC_ID} }
      - { provider: bedrock,   model: ${BEDROCK_ID} }
      - { provider: vertex,    model: ${VERTEX_ID} }
timeouts: { connect: 1s, firstToken: 3s, idle: 3s, total: 20s }
health: { probes: { enabled: false } }
status: { title: Scenario 26, interval: 1h, enterAfter: 2s, leaveAfter: 5s, incidentAfter: 2s, resolveAfter: 10s }
`;
}

beforeAll(async () => {
  stack = await startStack({ config, detour: { clock, random: seededRandom(26) } });
  stack.sim.setFault({ host: 'anthropic', fault: { type: 'status', status: 529 } });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack?.close();
});

/** The deployment that answered, from Detour's response header. */
function answeredBy(response: Response): string | null {
  return response.headers.get('x-detour-deployment');
}

describe('scenario 26: Claude on the Anthropic API, Bedrock and Vertex; the Anthropic API answers 529', () => {
  for (const stream of [false, true]) {
    const mode = stream ? 'streaming' : 'non-streaming';

    it(`OpenAI SDK, ${mode}: an image and a tool call come back from Bedrock or Vertex, then the tool result is answered`, async () => {
      const tools: OpenAI.ChatCompletionTool[] = [
        {
          type: 'function',
          function: { name: 'get_weather', description: 'Weather in a city', parameters: weatherSchema },
        },
      ];
      const messages: OpenAI.ChatCompletionMessageParam[] = [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Where was this photo taken? Look up the weather there with the tool.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PIXEL_PNG}` } },
          ],
        },
      ];
      const ask = async (history: OpenAI.ChatCompletionMessageParam[]) => {
        const request = { model: MODEL, max_tokens: 200, messages: history, tools };
        if (stream) {
          const { data, response } = await openai.chat.completions
            .create({ ...request, stream: true })
            .withResponse();
          // The SDK's own stream assembler builds the completion from the chunks.
          const completion = await ChatCompletionStream.fromReadableStream(
            data.toReadableStream(),
          ).finalChatCompletion();
          return { completion, deployment: answeredBy(response) };
        }
        const { data, response } = await openai.chat.completions.create(request).withResponse();
        return { completion: data, deployment: answeredBy(response) };
      };

      const first = await ask(messages);
      expect(FALLBACK_DEPLOYMENTS).toContain(first.deployment);
      const choice = first.completion.choices[0]!;
      expect(choice.finish_reason).toBe('tool_calls');
      const call = choice.message.tool_calls?.[0];
      if (call?.type !== 'function') throw new Error('expected a function call');
      expect(call.function.name).toBe('get_weather');
      expect(JSON.parse(call.function.arguments)).toEqual({
        city: expect.any(String),
        unit: expect.stringMatching(/^[cf]$/),
      });

      messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 degrees' });
      const second = await ask(messages);
      expect(FALLBACK_DEPLOYMENTS).toContain(second.deployment);
      expect(second.completion.choices[0]?.finish_reason).toBe('stop');
      expect(second.completion.choices[0]?.message.content).toBe('The tool returned: sunny, 21 degrees');
    });

    it(`Anthropic SDK, ${mode}: an image and a tool call come back from Bedrock or Vertex, then the tool result is answered`, async () => {
      const tools: Anthropic.Tool[] = [
        {
          name: 'get_weather',
          description: 'Weather in a city',
          input_schema: weatherSchema as Anthropic.Tool.InputSchema,
        },
      ];
      const messages: Anthropic.MessageParam[] = [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PIXEL_PNG } },
            { type: 'text', text: 'Where was this photo taken? Look up the weather there with the tool.' },
          ],
        },
      ];
      const ask = async (history: Anthropic.MessageParam[]) => {
        const request = { model: MODEL, max_tokens: 200, messages: history, tools };
        if (stream) {
          const runner = anthropic.messages.stream(request);
          const message = await runner.finalMessage();
          const { response } = await runner.withResponse();
          return { message, deployment: answeredBy(response) };
        }
        const { data, response } = await anthropic.messages.create(request).withResponse();
        return { message: data, deployment: answeredBy(response) };
      };

      const first = await ask(messages);
      expect(FALLBACK_DEPLOYMENTS).toContain(first.deployment);
      expect(first.message.stop_reason).toBe('tool_use');
      const call = first.message.content.find((block) => block.type === 'tool_use');
      if (call?.type !== 'tool_use') throw new Error('expected a tool_use block');
      expect(call.name).toBe('get_weather');
      expect(call.input).toEqual({ city: expect.any(String), unit: expect.stringMatching(/^[cf]$/) });

      messages.push(
        { role: 'assistant', content: first.message.content },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21 degrees' }],
        },
      );
      const second = await ask(messages);
      expect(FALLBACK_DEPLOYMENTS).toContain(second.deployment);
      expect(second.message.stop_reason).toBe('end_turn');
      const text = second.message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      expect(text).toBe('The tool returned: sunny, 21 degrees');
    });
  }

  it('sent the image on to the host that answered, in its own wire format', () => {
    const hosts = stack.sim.stats().hosts;
    const bodies = [...(hosts.bedrock?.recent ?? []), ...(hosts.vertex?.recent ?? [])].map((call) =>
      JSON.stringify(call.body),
    );
    expect(bodies.length).toBeGreaterThan(0);
    // Bedrock's InvokeModel and Vertex's rawPredict take Anthropic Messages bodies: the image is an
    // Anthropic base64 image block, whichever client sent it.
    for (const body of bodies) expect(body).toContain(`"data":"${PIXEL_PNG}"`);
  });

  it('tried the Anthropic API first and never failed a client: every answer came from Bedrock or Vertex', () => {
    const anthropicHost = stack.sim.stats().hosts.anthropic;
    expect(anthropicHost?.requests).toBeGreaterThan(0);
    expect(anthropicHost?.faulted).toBe(anthropicHost?.requests);
    const served =
      (stack.sim.stats().hosts.bedrock?.requests ?? 0) + (stack.sim.stats().hosts.vertex?.requests ?? 0);
    // Eight client requests (2 SDKs × 2 modes × 2 turns), each answered by exactly one other host.
    expect(served).toBe(8);
  });

  it('shows the Anthropic host overloaded and the model operational on the status page', async () => {
    const detector = stack.detour.status.detector;
    await detector.evaluate();
    clock.advance(2_100);
    await detector.evaluate();
    const summary = (await fetch(`${stack.detour.url}/api/v2/summary.json`).then((response) =>
      response.json(),
    )) as {
      components: Array<{ name: string; status: string }>;
      incidents: Array<{ incident_kind: string; components: Array<{ name: string }> }>;
    };
    const statusOf = (name: string) =>
      summary.components.find((component) => component.name === name)?.status;
    expect(statusOf(MODEL)).toBe('operational');
    expect(statusOf(`anthropic/${ANTHROPIC_ID}`)).toBe('major_outage');
    for (const deployment of FALLBACK_DEPLOYMENTS) expect(statusOf(deployment)).toBe('operational');
    expect(summary.incidents).toHaveLength(1);
    expect(summary.incidents[0]?.incident_kind).toBe('overloaded');
    const page = await fetch(`${stack.detour.url}/status`).then((response) => response.text());
    expect(page).toContain('overloaded');
  });
});
