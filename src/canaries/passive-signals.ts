import type { ChatRequest, ChatResponse, FinishReason } from '../core/index.js';

/**
 * Passive quality signals from live traffic (DESIGN.md §7): per deployment, shares of answers cut
 * by `length` or `content_filter`, empty answers, JSON-mode answers that do not parse, tool calls
 * whose arguments do not fit their tool's schema, and a shift of output length between a recent
 * window and the one before it. Only counts are kept, never bodies.
 */

/** What {@link PassiveSignals.observe} needs of an answer, when the caller has no whole response (streams). */
export interface AnswerSummary {
  finishReason?: FinishReason['unified'];
  /** The answer's text (only read when the request asked for JSON; otherwise its emptiness). */
  text: string;
  toolCalls: ReadonlyArray<{ name: string; arguments: string }>;
  outputTokens?: number;
}

/** One deployment's signals over its recent window (at most `window` answers). */
export interface PassiveSnapshot {
  deployment: string;
  /** Answers in the recent window. */
  answers: number;
  lengthShare: number;
  contentFilterShare: number;
  /** No text and no tool call. */
  emptyShare: number;
  /** Answers to requests that asked for JSON, and the share of those that did not parse (or fit the schema). */
  jsonAnswers: number;
  jsonInvalidShare: number;
  /** Tool calls, and the share whose arguments did not parse or fit their tool's schema. */
  toolCalls: number;
  toolInvalidShare: number;
  /** Output tokens: the recent window against the window before it (null while that one is empty). */
  outputTokens: {
    recentMean: number;
    recentMedian: number;
    baselineMean: number | null;
    baselineMedian: number | null;
    /** recentMedian / baselineMedian; null without a baseline or when its median is 0. */
    medianRatio: number | null;
  };
}

const LENGTH = 1;
const CONTENT_FILTER = 2;
const EMPTY = 4;
const JSON_ASKED = 8;
const JSON_INVALID = 16;

/** A ring of the last 2 × window answers: the recent window and the baseline before it. */
class DeploymentRing {
  readonly flags: Uint8Array;
  readonly toolCalls: Uint16Array;
  readonly toolInvalid: Uint16Array;
  readonly outputTokens: Float64Array;
  /** Answers ever observed (the next slot is `total % capacity`). */
  total = 0;

  constructor(readonly capacity: number) {
    this.flags = new Uint8Array(capacity);
    this.toolCalls = new Uint16Array(capacity);
    this.toolInvalid = new Uint16Array(capacity);
    this.outputTokens = new Float64Array(capacity);
  }
}

/** Keeps per-deployment passive signals; `observe` is on the request path, `snapshot` is not. */
export class PassiveSignals {
  private readonly window: number;
  private readonly rings = new Map<string, DeploymentRing>();

  /** `window`: answers per window (recent and baseline each); default 500. */
  constructor(options: { window?: number } = {}) {
    this.window = Math.max(1, Math.floor(options.window ?? 500));
  }

  /** Records one answer of `deployment` to `request`. Parses JSON only when the request asked for JSON or tools. */
  observe(deployment: string, request: ChatRequest, answer: ChatResponse | AnswerSummary): void {
    let ring = this.rings.get(deployment);
    if (ring === undefined) {
      ring = new DeploymentRing(this.window * 2);
      this.rings.set(deployment, ring);
    }
    const summary = 'content' in answer ? summarise(answer) : answer;
    let flags = 0;
    if (summary.finishReason === 'length') flags |= LENGTH;
    if (summary.finishReason === 'content_filter') flags |= CONTENT_FILTER;
    if (summary.toolCalls.length === 0 && summary.text.trim() === '') flags |= EMPTY;
    const format = request.responseFormat;
    if (format !== undefined && format.type !== 'text' && summary.toolCalls.length === 0) {
      flags |= JSON_ASKED;
      const schema = format.type === 'json_schema' ? format.schema : undefined;
      if (!fitsJson(summary.text, schema)) flags |= JSON_INVALID;
    }
    let invalid = 0;
    for (const call of summary.toolCalls) {
      const tool = request.tools?.find((candidate) => candidate.name === call.name);
      if (tool === undefined || !fitsJson(call.arguments, tool.parameters, true)) invalid += 1;
    }
    const slot = ring.total % ring.capacity;
    ring.flags[slot] = flags;
    ring.toolCalls[slot] = Math.min(summary.toolCalls.length, 0xffff);
    ring.toolInvalid[slot] = Math.min(invalid, 0xffff);
    ring.outputTokens[slot] = summary.outputTokens ?? 0;
    ring.total += 1;
  }

  /** The deployment's signals now, or undefined when it has answered nothing yet. */
  snapshot(deployment: string): PassiveSnapshot | undefined {
    const ring = this.rings.get(deployment);
    if (ring === undefined || ring.total === 0) return undefined;
    const recent = slotsBack(ring, 0, this.window);
    const baseline = slotsBack(ring, this.window, this.window);
    let length = 0;
    let filtered = 0;
    let empty = 0;
    let json = 0;
    let jsonInvalid = 0;
    let calls = 0;
    let callsInvalid = 0;
    const recentTokens: number[] = [];
    for (const slot of recent) {
      const flags = ring.flags[slot] ?? 0;
      if (flags & LENGTH) length += 1;
      if (flags & CONTENT_FILTER) filtered += 1;
      if (flags & EMPTY) empty += 1;
      if (flags & JSON_ASKED) json += 1;
      if (flags & JSON_INVALID) jsonInvalid += 1;
      calls += ring.toolCalls[slot] ?? 0;
      callsInvalid += ring.toolInvalid[slot] ?? 0;
      recentTokens.push(ring.outputTokens[slot] ?? 0);
    }
    const baselineTokens = baseline.map((slot) => ring.outputTokens[slot] ?? 0);
    const answers = recent.length;
    const recentMedian = median(recentTokens);
    const baselineMedian = baselineTokens.length > 0 ? median(baselineTokens) : null;
    return {
      deployment,
      answers,
      lengthShare: length / answers,
      contentFilterShare: filtered / answers,
      emptyShare: empty / answers,
      jsonAnswers: json,
      jsonInvalidShare: json === 0 ? 0 : jsonInvalid / json,
      toolCalls: calls,
      toolInvalidShare: calls === 0 ? 0 : callsInvalid / calls,
      outputTokens: {
        recentMean: mean(recentTokens),
        recentMedian,
        baselineMean: baselineTokens.length > 0 ? mean(baselineTokens) : null,
        baselineMedian,
        medianRatio: baselineMedian === null || baselineMedian === 0 ? null : recentMedian / baselineMedian,
      },
    };
  }

  /** Forgets a deployment that is no longer configured. */
  forget(deployment: string): void {
    this.rings.delete(deployment);
  }
}

/** Ring slots of `count` answers, skipping the newest `skip`, newest first. */
function slotsBack(ring: DeploymentRing, skip: number, count: number): number[] {
  const slots: number[] = [];
  for (let back = skip; back < skip + count && back < ring.total; back += 1) {
    slots.push((ring.total - 1 - back) % ring.capacity);
  }
  return slots;
}

function summarise(answer: ChatResponse): AnswerSummary {
  let text = '';
  const toolCalls: Array<{ name: string; arguments: string }> = [];
  for (const part of answer.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool_call') toolCalls.push(part);
  }
  return {
    finishReason: answer.finishReason.unified,
    text,
    toolCalls,
    outputTokens: answer.usage.outputTokens,
  };
}

/**
 * Whether `text` is JSON that fits `schema` in the light sense: required properties present and
 * top-level property types right. Tool arguments (`object`) must be a JSON object.
 */
export function fitsJson(text: string, schema: Record<string, unknown> | undefined, object = false): boolean {
  let value: unknown;
  try {
    value = JSON.parse(text === '' && object ? '{}' : text);
  } catch {
    return false;
  }
  if (schema === undefined) return !object || isObject(value);
  return fitsSchema(value, schema);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fitsType(value: unknown, type: unknown): boolean {
  if (Array.isArray(type)) return type.some((one) => fitsType(value, one));
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'null':
      return value === null;
    default:
      // No type, or one this light check does not know: not held against the answer.
      return true;
  }
}

function fitsSchema(value: unknown, schema: Record<string, unknown>): boolean {
  if (!fitsType(value, schema.type)) return false;
  if (!isObject(value)) return true;
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required) if (typeof name === 'string' && !(name in value)) return false;
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const [name, property] of Object.entries(properties)) {
    if (name in value && isObject(property) && !fitsType(value[name], property.type)) return false;
  }
  return true;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
