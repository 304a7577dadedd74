import { computeCost, type TokenPrice } from '../catalog/index.js';
import type { Usage } from '../core/index.js';
import { addUsage } from '../providers/index.js';

/** What the answering attempt of a request cost (DESIGN.md section 8); failed attempts cost nothing. */
export interface RequestCost {
  /** USD, usage × the answering deployment's price. */
  usd: number;
  /** The token counts it was computed from. */
  usage: Usage;
  /**
   * True when the output count is an estimate: a stream cut before the host reported its final
   * usage is charged one output token per content chunk relayed, where the host's own count so
   * far was lower (a lower bound: hosts send one or a few tokens per delta).
   */
  estimated: boolean;
}

/** The cost of a complete answer, or undefined without a price or usage. */
export function costOf(usage: Usage | undefined, price: TokenPrice | undefined): RequestCost | undefined {
  if (usage === undefined || price === undefined) return undefined;
  return { usd: computeCost(usage, price), usage, estimated: false };
}

/**
 * Follows the usage a stream reports as it goes. Hosts report it in pieces (Anthropic: input at
 * the start, output at the end; OpenAI: once, at the end, when asked), each count cumulative, so
 * every field keeps the largest value seen.
 */
export class UsageMeter {
  private usage: Usage | undefined;
  private contentChunks = 0;

  /** Records one relayed chunk: its usage, and whether it carried content. */
  observe(chunk: { usage?: Usage; content: boolean }): void {
    if (chunk.content) this.contentChunks += 1;
    if (chunk.usage !== undefined) this.usage = mergeUsage(this.usage, chunk.usage);
  }

  /**
   * The cost of what was streamed. A stream that finished is charged its reported usage; one cut
   * after content is charged the usage seen so far, with output raised to the content chunks
   * relayed when the host had not counted them yet.
   */
  /**
   * What the stream used so far: its reported usage, with output raised to the content chunks
   * relayed when the host had not counted them yet (a stream cut before its final usage).
   */
  usedSoFar(): Usage {
    const seen = this.usage ?? { inputTokens: 0, outputTokens: 0 };
    return seen.outputTokens >= this.contentChunks
      ? { ...seen }
      : { ...seen, outputTokens: this.contentChunks };
  }

  cost(price: TokenPrice | undefined, finished: boolean): RequestCost | undefined {
    if (price === undefined) return undefined;
    if (finished || this.contentChunks === 0) return costOf(this.usage, price);
    const seen = this.usage ?? { inputTokens: 0, outputTokens: 0 };
    if (seen.outputTokens >= this.contentChunks) return costOf(seen, price);
    const usage = { ...seen, outputTokens: this.contentChunks };
    return { usd: computeCost(usage, price), usage, estimated: true };
  }
}

function mergeUsage(before: Usage | undefined, next: Usage): Usage {
  if (before === undefined) return { ...next };
  const merged: Usage = {
    inputTokens: Math.max(before.inputTokens, next.inputTokens),
    outputTokens: Math.max(before.outputTokens, next.outputTokens),
  };
  const read = maxDefined(before.cacheReadTokens, next.cacheReadTokens);
  const write = maxDefined(before.cacheWriteTokens, next.cacheWriteTokens);
  const reasoning = maxDefined(before.reasoningTokens, next.reasoningTokens);
  if (read !== undefined) merged.cacheReadTokens = read;
  if (write !== undefined) merged.cacheWriteTokens = write;
  if (reasoning !== undefined) merged.reasoningTokens = reasoning;
  return merged;
}

function maxDefined(left: number | undefined, right: number | undefined): number | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return Math.max(left, right);
}

/** Two attempts' costs together (a stream continued on a second host pays both). */
export function addCosts(
  first: RequestCost | undefined,
  second: RequestCost | undefined,
): RequestCost | undefined {
  if (first === undefined) return second;
  if (second === undefined) return first;
  return {
    usd: Number((first.usd + second.usd).toFixed(12)),
    usage: addUsage(first.usage, second.usage),
    estimated: first.estimated || second.estimated,
  };
}
