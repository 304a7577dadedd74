import type { ChatRequest, ProtocolName, WireProtocol } from '../core/index.js';
import { UNTRANSLATABLE_PARTS } from './anthropic-messages/index.js';
import { findConverseUntranslatableContent } from './bedrock-converse/index.js';

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
  reason: string;
};

/** Rules per client protocol, by field name. */
type RuleTable = Readonly<Record<ProtocolName, Readonly<Record<string, Rule>>>>;

const nonZero = (value: unknown) => typeof value === 'number' && value !== 0;
const truthy = (value: unknown) => Boolean(value);
const nonEmptyObject = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.keys(value as object).length > 0;

/**
 * Fields of a client protocol that the other protocol cannot express and that change the answer.
 * A request carrying one is not sent to a host of the other protocol (a 400 names the field if no
 * other host remains). Fields not listed here are either mapped faithfully by the codecs or are
 * hints whose loss does not change what a correct answer is (see the README's translation table).
 */
const RULES: RuleTable = {
  'openai-chat': {
    n: {
      matters: (value) => typeof value === 'number' && value > 1,
      reason: 'Anthropic returns one choice per request',
    },
    logprobs: { matters: truthy, reason: 'Anthropic does not return log probabilities' },
    top_logprobs: { matters: truthy, reason: 'Anthropic does not return log probabilities' },
    logit_bias: { matters: nonEmptyObject, reason: 'Anthropic has no logit bias' },
    frequency_penalty: { matters: nonZero, reason: 'Anthropic has no frequency penalty' },
    presence_penalty: { matters: nonZero, reason: 'Anthropic has no presence penalty' },
    audio: { matters: truthy, reason: 'Anthropic does not produce audio' },
    modalities: {
      matters: (value) => Array.isArray(value) && value.some((modality) => modality !== 'text'),
      reason: 'Anthropic answers in text only',
    },
    web_search_options: {
      matters: truthy,
      reason: "OpenAI's built-in web search has no Anthropic equivalent here",
    },
  },
  'anthropic-messages': {
    mcp_servers: { matters: truthy, reason: 'MCP servers run inside the Anthropic API' },
    container: { matters: truthy, reason: 'code-execution containers exist only at Anthropic' },
  },
};

/**
 * The same client fields for a Bedrock Converse host, with reasons that name it. Converse's
 * `inferenceConfig` has no penalties, bias, log probabilities or choice count, and it answers in
 * text only.
 */
const CONVERSE_RULES: RuleTable = {
  'openai-chat': {
    n: {
      matters: (value) => typeof value === 'number' && value > 1,
      reason: 'Bedrock Converse returns one choice per request',
    },
    logprobs: { matters: truthy, reason: 'Bedrock Converse does not return log probabilities' },
    top_logprobs: { matters: truthy, reason: 'Bedrock Converse does not return log probabilities' },
    logit_bias: { matters: nonEmptyObject, reason: 'Bedrock Converse has no logit bias' },
    frequency_penalty: { matters: nonZero, reason: 'Bedrock Converse has no frequency penalty' },
    presence_penalty: { matters: nonZero, reason: 'Bedrock Converse has no presence penalty' },
    audio: { matters: truthy, reason: 'Bedrock Converse does not produce audio' },
    modalities: {
      matters: (value) => Array.isArray(value) && value.some((modality) => modality !== 'text'),
      reason: 'Bedrock Converse answers in text only',
    },
    web_search_options: {
      matters: truthy,
      reason: "OpenAI's built-in web search has no Bedrock Converse equivalent",
    },
  },
  'anthropic-messages': RULES['anthropic-messages'],
};

/** The rule table for a target protocol. */
function rulesFor(target: WireProtocol): RuleTable {
  return target === 'bedrock-converse' ? CONVERSE_RULES : RULES;
}

/** Canonical features a target protocol cannot combine. */
function findUnsupportedCombination(
  request: ChatRequest,
  target: WireProtocol,
): UntranslatableField | undefined {
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
      const rule = rulesFor(target)[source][field];
      if (rule?.matters(value)) return { field, reason: rule.reason };
    }
  }
  return undefined;
}
