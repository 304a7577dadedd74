import type { ChatRequest, ProtocolName, WireProtocol } from '../core/index.js';
import { UNTRANSLATABLE_PARTS } from './anthropic-messages/index.js';
import { findConverseUntranslatableContent } from './bedrock-converse/index.js';
import { isGeminiReadableImage } from './gemini/index.js';
import { ownEntry } from './narrow-json.js';

/** A client field that a host of another protocol cannot honour. */
export interface UntranslatableField {
  /** The client's field name. */
  field: string;
  /** Why it cannot be translated. */
  reason: string;
}

type Rule = {
  /** True when the field's value would change the answer if dropped. */
  matters: (value: unknown) => boolean;
  /** Why a host of `target` cannot honour it. */
  reason: (target: WireProtocol) => string;
};

/** The vendor a wire format stands for, in reasons. */
const HOST_NAME: Readonly<Record<WireProtocol, string>> = {
  'openai-chat': 'OpenAI',
  'anthropic-messages': 'Anthropic',
  gemini: 'Gemini',
  'bedrock-converse': 'Bedrock Converse',
};

const nonZero = (value: unknown) => typeof value === 'number' && value !== 0;
const truthy = (value: unknown) => Boolean(value);
const nonEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.keys(value as object).length > 0;

/** A reason that reads the same for every target but names its vendor. */
const byHost =
  (write: (host: string) => string) =>
  (target: WireProtocol): string =>
    write(HOST_NAME[target]);

/**
 * Gemini has the fields, but current Gemini models answer 400 "Penalty is not enabled" to either
 * (gemini-2.5 and 3.x: mnfst/modelparams.dev#16, BerriAI/litellm#16907), and a client error is not
 * failed over, so mapping them would fail the request.
 */
const penaltyReason = (name: string) => (target: WireProtocol) =>
  target === 'gemini'
    ? `Gemini models refuse a ${name} penalty ("Penalty is not enabled")`
    : `${HOST_NAME[target]} has no ${name} penalty`;

/**
 * Fields of a client protocol that another protocol cannot express and that change the answer.
 * A request carrying one is not sent to a host of the other protocol (a 400 names the field if no
 * other host remains). Fields not listed here are either mapped faithfully by the codecs or are
 * hints whose loss does not change what a correct answer is (see the README's translation table).
 */
const RULES: Readonly<Record<ProtocolName, Readonly<Record<string, Rule>>>> = {
  'openai-chat': {
    n: {
      matters: (value) => typeof value === 'number' && value > 1,
      // Gemini has `candidateCount`, but a translated answer carries one choice.
      reason: (target) =>
        target === 'gemini'
          ? 'answers from Gemini hosts are translated with one choice'
          : `${HOST_NAME[target]} returns one choice per request`,
    },
    // Gemini can return log probabilities, but the canonical answer has no place for them.
    logprobs: {
      matters: truthy,
      reason: (target) =>
        target === 'gemini'
          ? 'log probabilities are not translated from Gemini answers'
          : `${HOST_NAME[target]} does not return log probabilities`,
    },
    top_logprobs: {
      matters: truthy,
      reason: (target) =>
        target === 'gemini'
          ? 'log probabilities are not translated from Gemini answers'
          : `${HOST_NAME[target]} does not return log probabilities`,
    },
    logit_bias: { matters: nonEmptyObject, reason: byHost((host) => `${host} has no logit bias`) },
    frequency_penalty: { matters: nonZero, reason: penaltyReason('frequency') },
    presence_penalty: { matters: nonZero, reason: penaltyReason('presence') },
    audio: { matters: truthy, reason: byHost((host) => `${host} does not produce audio`) },
    modalities: {
      matters: (value) => Array.isArray(value) && value.some((modality) => modality !== 'text'),
      reason: byHost((host) => `${host} answers in text only`),
    },
    web_search_options: {
      matters: truthy,
      reason: byHost((host) => `OpenAI's built-in web search has no ${host} equivalent here`),
    },
  },
  'anthropic-messages': {
    mcp_servers: { matters: truthy, reason: () => 'MCP servers run inside the Anthropic API' },
    container: { matters: truthy, reason: () => 'code-execution containers exist only at Anthropic' },
  },
};

/** The client's own name for a canonical field: the request came from the protocol it kept fields for. */
function clientField(request: ChatRequest, names: { openai: string; anthropic: string }): string {
  return request.vendorOptions['anthropic-messages'] !== undefined ? names.anthropic : names.openai;
}

/** Gemini accepts at most this many stop sequences and answers 400 to more. */
const GEMINI_MAX_STOP_SEQUENCES = 5;

/** Canonical features a Gemini host cannot honour. */
function findGeminiUnsupportedFeature(request: ChatRequest): UntranslatableField | undefined {
  const hasTools = (request.tools?.length ?? 0) > 0;
  const jsonMode = request.responseFormat !== undefined && request.responseFormat.type !== 'text';
  // Gemini 2.x answers 400 "Function calling with a response mime type: 'application/json' is
  // unsupported" unless calling is off.
  if (jsonMode && hasTools && request.toolChoice?.type !== 'none') {
    return {
      field: 'response_format',
      reason: "Gemini hosts cannot combine JSON mode with the request's own tools",
    };
  }
  if (hasTools && request.parallelToolCalls === false) {
    return {
      field: clientField(request, {
        openai: 'parallel_tool_calls',
        anthropic: 'tool_choice.disable_parallel_tool_use',
      }),
      reason: 'Gemini cannot limit a turn to one tool call',
    };
  }
  if ((request.stop?.length ?? 0) > GEMINI_MAX_STOP_SEQUENCES) {
    return {
      field: clientField(request, { openai: 'stop', anthropic: 'stop_sequences' }),
      reason: `Gemini accepts at most ${GEMINI_MAX_STOP_SEQUENCES} stop sequences`,
    };
  }
  for (const message of request.messages) {
    for (const part of message.content) {
      const images =
        part.type === 'image' ? [part] : part.type === 'tool_result' ? part.content : ([] as const);
      for (const image of images) {
        if (image.type !== 'image' || isGeminiReadableImage(image.source)) continue;
        return {
          field: clientField(request, { openai: 'image_url', anthropic: 'image' }),
          reason:
            'Gemini reads PNG, JPEG, WEBP, HEIC and HEIF images, inline or from an https URL that ends in their extension',
        };
      }
    }
  }
  return undefined;
}

/** Canonical features a target protocol cannot honour or combine. */
function findUnsupportedCombination(
  request: ChatRequest,
  target: WireProtocol,
): UntranslatableField | undefined {
  if (target === 'gemini') return findGeminiUnsupportedFeature(request);
  if (target === 'bedrock-converse') return findConverseUntranslatableContent(request);
  const jsonMode = request.responseFormat !== undefined && request.responseFormat.type !== 'text';
  if (target === 'anthropic-messages' && jsonMode && (request.tools?.length ?? 0) > 0) {
    return {
      field: 'response_format',
      reason:
        "Anthropic hosts get JSON mode as a forced tool call, which cannot be combined with the request's own tools",
    };
  }
  return undefined;
}

/** The first client field that `target` cannot express, or undefined when the request translates. */
export function findUntranslatableField(
  request: ChatRequest,
  target: WireProtocol,
): UntranslatableField | undefined {
  const combination = findUnsupportedCombination(request, target);
  if (combination !== undefined) return combination;
  const parts = request.vendorOptions['anthropic-messages']?.[UNTRANSLATABLE_PARTS];
  if (target !== 'anthropic-messages' && Array.isArray(parts) && parts.length > 0) {
    return { field: String(parts[0]), reason: 'this content exists only in the Anthropic API' };
  }
  for (const [source, fields] of Object.entries(request.vendorOptions) as Array<
    [ProtocolName, Record<string, unknown> | undefined]
  >) {
    if (source === target || fields === undefined) continue;
    for (const [field, value] of Object.entries(fields)) {
      if (field === UNTRANSLATABLE_PARTS) continue;
      // Own keys only: a client field named `constructor` is no rule.
      const rule = ownEntry(RULES[source], field);
      if (rule?.matters(value)) return { field, reason: rule.reason(target) };
    }
  }
  return undefined;
}
