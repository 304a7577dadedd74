import { sampleFromSchema } from './sample-from-schema.js';
import { hashString, seededRandom } from './seeded-random.js';
import type { SimPrefill, SimPrompt } from './sim-prompt.js';
import { solveTask, spoilValue } from './solve-task.js';

/** A tool call the simulated model makes. */
export interface SimToolCall {
  /** Deterministic suffix of the call id; each wire format adds its own prefix. */
  idSuffix: string;
  name: string;
  /** Arguments as JSON text. */
  arguments: string;
}

/** What the simulated model answers, before any wire format. */
export interface SimAnswer {
  /** Reasoning text and its signature, when the request enabled reasoning. */
  reasoning?: { text: string; signature: string };
  /** The answer text cut into tokens (each keeps its leading space). */
  tokens: string[];
  toolCalls: SimToolCall[];
  /** Why it stopped (`content_filter` only when a content-filter fault cut it). */
  finish: 'end' | 'length' | 'stop_sequence' | 'tool_calls' | 'content_filter';
  /** The stop sequence that matched. */
  stopSequence?: string;
  inputTokens: number;
  outputTokens: number;
}

const VOCABULARY = (
  'the a model answer route host health request token stream window quiet steady bright careful ' +
  'simple clear quick patient river mountain signal garden lantern harbor meadow orbit'
).split(' ');

const ECHO = /^\s*echo:\s*/i;

/** Splits text into tokens of at most 12 characters, each keeping its leading whitespace. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const word of text.match(/\s*\S+|\s+$/g) ?? []) {
    for (let start = 0; start < word.length; start += 12) tokens.push(word.slice(start, start + 12));
  }
  return tokens;
}

function inventText(seed: number, wrong: boolean): string {
  const random = seededRandom(wrong ? seed ^ 0x5bd1e995 : seed);
  const count = 12 + Math.floor(random() * 13);
  const words = Array.from({ length: count }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]);
  const sentence = words.join(' ');
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`;
}

function answerText(prompt: SimPrompt, seed: number, wrong: boolean): string {
  if (prompt.toolResult !== undefined) {
    return wrong ? 'The tool did not answer.' : `The tool returned: ${prompt.toolResult}`;
  }
  const random = seededRandom(seed);
  if (prompt.json !== undefined) {
    const value =
      prompt.json.schema === undefined
        ? { answer: inventText(seed, wrong) }
        : sampleFromSchema(prompt.json.schema, random);
    // Wrong JSON still parses, but no longer fits the schema (every leaf of another type).
    return JSON.stringify(wrong && prompt.json.schema !== undefined ? spoilValue(value) : value);
  }
  if (ECHO.test(prompt.lastUserText)) {
    const text = prompt.lastUserText.replace(ECHO, '').trim();
    return wrong ? text.split(' ').reverse().join(' ') : text;
  }
  return solveTask(prompt.lastUserText, wrong) ?? inventText(seed, wrong);
}

function chooseTools(prompt: SimPrompt): SimPrompt['tools'] {
  if (prompt.tools.length === 0 || prompt.toolChoice.type === 'none' || prompt.toolResult !== undefined) {
    return [];
  }
  const { toolChoice } = prompt;
  if (toolChoice.type === 'tool') return prompt.tools.filter((tool) => tool.name === toolChoice.name);
  // "every tool" in the prompt asks for parallel calls, so tests can drive them.
  if (prompt.parallelToolCalls && /every tool/i.test(prompt.lastUserText)) return prompt.tools;
  return prompt.tools.slice(0, 1);
}

function cutAtStopSequence(text: string, stops: string[]): { text: string; stop?: string } {
  let cut: { text: string; stop?: string } = { text };
  for (const stop of stops) {
    const at = stop === '' ? -1 : text.indexOf(stop);
    if (at >= 0 && at < cut.text.length) cut = { text: text.slice(0, at), stop };
  }
  return cut;
}

/**
 * What the model writes after a prefill: the rest of its full answer when that answer starts with
 * the prefill (leading whitespace kept: full `one two three`, prefill `one two` → ` three`), or
 * undefined when it does not. The simulated model then ignores the prefill and gives its full
 * answer, as a real model that would not have written the prefill may; whoever joins prefill and
 * continuation sees the mismatch.
 */
export function continuePrefill(full: string, prefill: SimPrefill | undefined): string | undefined {
  if (prefill === undefined || !full.startsWith(prefill.text)) return undefined;
  return full.slice(prefill.text.length);
}

/**
 * The simulated model: deterministic for a given seed and prompt (every host answers the same
 * request the same way, so failover is invisible in the content). `echo: X` answers X; the small
 * tasks of quality canaries are solved ({@link solveTask}); offered tools
 * are called with arguments sampled from their schema; a tool result is read back. A prefill is
 * continued ({@link continuePrefill}): the answer is the continuation only, without reasoning (the
 * prefilled turn had its thinking), and stop sequences and `maxTokens` apply to what is generated.
 */
export function composeAnswer(prompt: SimPrompt, seed: number, wrong = false): SimAnswer {
  const promptSeed = (seed ^ hashString(`${prompt.lastUserText}\u0000${prompt.toolResult ?? ''}`)) >>> 0;
  const inputTokens = Math.max(1, Math.ceil(prompt.promptChars / 4));
  const reasoning = prompt.thinking
    ? { text: 'Let me think this through.', signature: `sim-sig-${promptSeed.toString(16)}` }
    : undefined;
  const reasoningTokens = reasoning === undefined ? 0 : tokenize(reasoning.text).length;

  const tools = chooseTools(prompt);
  if (tools.length > 0) {
    const random = seededRandom(promptSeed);
    const toolCalls = tools.map((tool, index) => {
      const sampled = sampleFromSchema(tool.schema, random);
      return {
        idSuffix: `${promptSeed.toString(36)}${index}`,
        name: tool.name,
        // Wrong arguments still parse, but fit neither the tool's schema nor the values asked for.
        arguments: JSON.stringify(wrong ? spoilValue(sampled) : sampled),
      };
    });
    const outputTokens =
      reasoningTokens + toolCalls.reduce((sum, call) => sum + 4 + Math.ceil(call.arguments.length / 4), 0);
    const answer: SimAnswer = { tokens: [], toolCalls, finish: 'tool_calls', inputTokens, outputTokens };
    if (reasoning !== undefined) answer.reasoning = reasoning;
    return answer;
  }

  const full = answerText(prompt, promptSeed, wrong);
  const continued = continuePrefill(full, prompt.prefill);
  const cut = cutAtStopSequence(continued ?? full, prompt.stop);
  let tokens = tokenize(cut.text);
  let finish: SimAnswer['finish'] = cut.stop === undefined ? 'end' : 'stop_sequence';
  if (prompt.maxTokens !== undefined && tokens.length > prompt.maxTokens) {
    tokens = tokens.slice(0, prompt.maxTokens);
    finish = 'length';
  }
  const thought = continued === undefined ? reasoning : undefined;
  const answer: SimAnswer = {
    tokens,
    toolCalls: [],
    finish,
    inputTokens,
    outputTokens: Math.max(1, tokens.length + (thought === undefined ? 0 : reasoningTokens)),
  };
  if (finish === 'stop_sequence' && cut.stop !== undefined) answer.stopSequence = cut.stop;
  if (thought !== undefined) answer.reasoning = thought;
  return answer;
}

/**
 * The answer as a vendor's content filter leaves it: the first `keptTokens` tokens, no tool calls,
 * finished as filtered. Reasoning stays: filters judge the visible answer.
 */
export function cutByContentFilter(answer: SimAnswer, keptTokens: number): SimAnswer {
  const tokens = answer.tokens.slice(0, keptTokens);
  const reasoningTokens = answer.reasoning === undefined ? 0 : tokenize(answer.reasoning.text).length;
  const cut: SimAnswer = {
    tokens,
    toolCalls: [],
    finish: 'content_filter',
    inputTokens: answer.inputTokens,
    outputTokens: Math.max(1, tokens.length + reasoningTokens),
  };
  if (answer.reasoning !== undefined) cut.reasoning = answer.reasoning;
  return cut;
}
