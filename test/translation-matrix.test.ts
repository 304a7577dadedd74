import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './support/start-stack.js';

// Client protocol {openai, anthropic} × upstream protocol {openai, anthropic} × {non-stream,
// stream} × {text, tools}, each assembled by the official SDK of the client side. The simulator
// answers the same request the same way on every host, so every cell must assemble the same result.

type Protocol = 'openai' | 'anthropic';

function config(simUrl: string): string {
  return `
providers:
  oai: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/oai/v1, apiKey: k1 }
  ant: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/ant, apiKey: k2 }
models:
  via-openai:    { deployments: [ { provider: oai, model: same-model } ] }
  via-anthropic: { deployments: [ { provider: ant, model: same-model } ] }
health: { probes: { enabled: false } }
`;
}

let stack: Stack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  stack = await startStack({ config });
  openai = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'k', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: stack.anthropicBaseUrl, apiKey: 'k', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

/** What every cell must agree on. */
interface Assembled {
  text: string;
  finish: 'stop' | 'tool_calls';
  toolCalls: Array<{ name: string; arguments: unknown }>;
  outputTokens: number;
}

const PROMPT_TEXT = 'echo: the quick brown fox jumps';
const PROMPT_TOOLS = 'What is the weather in Paris? Use the tool.';
const schema = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    days: { type: 'integer' },
    unit: { type: 'string', enum: ['c', 'f'] },
  },
  required: ['city', 'days', 'unit'],
};

async function viaOpenAI(model: string, stream: boolean, tools: boolean): Promise<Assembled> {
  const request: OpenAI.ChatCompletionCreateParamsNonStreaming = {
    model,
    max_tokens: 200,
    messages: [{ role: 'user', content: tools ? PROMPT_TOOLS : PROMPT_TEXT }],
    ...(tools
      ? {
          tools: [
            {
              type: 'function',
              function: { name: 'get_weather', description: 'Weather', parameters: schema },
            },
          ],
        }
      : {}),
  };
  const completion = stream
    ? await openai.chat.completions
        .stream({ ...request, stream: true, stream_options: { include_usage: true } })
        .finalChatCompletion()
    : await openai.chat.completions.create(request);
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? '',
    finish: choice?.finish_reason === 'tool_calls' ? 'tool_calls' : 'stop',
    toolCalls: (choice?.message.tool_calls ?? []).map((call) =>
      call.type === 'function'
        ? { name: call.function.name, arguments: JSON.parse(call.function.arguments) as unknown }
        : { name: '?', arguments: null },
    ),
    outputTokens: completion.usage?.completion_tokens ?? -1,
  };
}

async function viaAnthropic(model: string, stream: boolean, tools: boolean): Promise<Assembled> {
  const request: Anthropic.MessageCreateParamsNonStreaming = {
    model,
    max_tokens: 200,
    messages: [{ role: 'user', content: tools ? PROMPT_TOOLS : PROMPT_TEXT }],
    ...(tools
      ? {
          tools: [
            {
              name: 'get_weather',
              description: 'Weather',
              input_schema: schema as Anthropic.Tool.InputSchema,
            },
          ],
        }
      : {}),
  };
  const message = stream
    ? await anthropic.messages.stream(request).finalMessage()
    : await anthropic.messages.create(request);
  return {
    text: message.content.map((block) => (block.type === 'text' ? block.text : '')).join(''),
    finish: message.stop_reason === 'tool_use' ? 'tool_calls' : 'stop',
    toolCalls: message.content.flatMap((block) =>
      block.type === 'tool_use' ? [{ name: block.name, arguments: block.input }] : [],
    ),
    outputTokens: message.usage.output_tokens,
  };
}

const PAIRS: ReadonlyArray<readonly [Protocol, Protocol]> = [
  ['openai', 'openai'],
  ['openai', 'anthropic'],
  ['anthropic', 'openai'],
  ['anthropic', 'anthropic'],
];

/** One cell: the request sent by `client`'s SDK to a model served by an `upstream`-protocol host. */
function assemble(client: Protocol, upstream: Protocol, stream: boolean, tools: boolean): Promise<Assembled> {
  const model = upstream === 'openai' ? 'via-openai' : 'via-anthropic';
  return client === 'openai' ? viaOpenAI(model, stream, tools) : viaAnthropic(model, stream, tools);
}

function mode(stream: boolean, tools: boolean): string {
  return `${stream ? 'stream' : 'non-stream'}, ${tools ? 'tools' : 'text'}`;
}

// Each test makes its own requests, so any one of them can run alone (`-t`).
for (const [client, upstream] of PAIRS) {
  for (const stream of [false, true]) {
    for (const tools of [false, true]) {
      it(`${client} client → ${upstream} host, ${mode(stream, tools)}`, async () => {
        const result = await assemble(client, upstream, stream, tools);
        if (tools) {
          expect(result.finish).toBe('tool_calls');
          expect(result.toolCalls).toHaveLength(1);
          expect(result.toolCalls[0]?.name).toBe('get_weather');
          const args = result.toolCalls[0]?.arguments as { city: unknown; days: unknown; unit: unknown };
          expect(typeof args.city).toBe('string');
          expect(Number.isInteger(args.days)).toBe(true);
          expect(args.unit).toBe('c');
        } else {
          expect(result).toMatchObject({
            text: 'the quick brown fox jumps',
            finish: 'stop',
            toolCalls: [],
          });
        }
        expect(result.outputTokens).toBeGreaterThan(0);
      });
    }
  }
}

describe('every path agrees', () => {
  for (const stream of [false, true]) {
    for (const tools of [false, true]) {
      it(`assembles the same answer whatever the client and host protocols (${mode(stream, tools)})`, async () => {
        const cells = await Promise.all(
          PAIRS.map(([client, upstream]) => assemble(client, upstream, stream, tools)),
        );
        expect(cells).toHaveLength(4);
        for (const cell of cells.slice(1)) {
          expect({ ...cell, outputTokens: 0 }).toEqual({ ...cells[0], outputTokens: 0 });
        }
      });
    }
  }
});
