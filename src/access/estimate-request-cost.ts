import type { ChatRequest } from '../core/index.js';
import {
  type Deployment,
  type ModelRoute,
  type ModelTable,
  promptTokensUpperBound,
} from '../routing/index.js';

/** Output tokens reserved for a request that sets no `max_tokens` at a host whose maximum is unknown. */
export const DEFAULT_OUTPUT_ALLOWANCE = 4_096;

/** Every deployment a request for `route` could end on: its own, its fallbacks', an auto model's candidates'. */
function reachableDeployments(table: ModelTable, route: ModelRoute): Deployment[] {
  const seen = new Set<string>();
  const deployments: Deployment[] = [];
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const model = table.get(name);
    if (model === undefined) return;
    deployments.push(...model.deployments);
    for (const candidate of model.auto?.among ?? []) visit(candidate);
    for (const fallback of model.fallbacks) visit(fallback);
  };
  visit(route.name);
  return deployments;
}

/** A request's size for budgets and token limits. */
export interface RequestEstimate {
  /** A bound on the prompt's tokens (its UTF-8 bytes plus framing: no tokenizer makes more). */
  promptTokensBound: number;
  /** The prompt's tokens as usually counted (about four bytes a token), for tokens-per-minute. */
  promptTokens: number;
  /** The most output tokens the answer can have at the priciest host. */
  outputTokens: number;
  /** Worst-case cost in USD over every deployment the request could reach: what a budget reserves. */
  worstCaseUsd: number;
}

/**
 * Sizes a request before it runs (DESIGN.md section 8): the worst case is the prompt bound at the
 * highest input (or cache-write) price plus `max_tokens` — else the host's maximum output, else
 * {@link DEFAULT_OUTPUT_ALLOWANCE} — at the highest output price among the deployments it may reach.
 * Deployments without a price add nothing: their cost is unknown and recorded as none.
 */
export function estimateRequest(table: ModelTable, route: ModelRoute, request: ChatRequest): RequestEstimate {
  const promptTokensBound = promptTokensUpperBound(request);
  let worstCaseUsd = 0;
  let outputTokens = request.maxTokens ?? 0;
  for (const deployment of reachableDeployments(table, route)) {
    const output = request.maxTokens ?? deployment.maxOutput ?? DEFAULT_OUTPUT_ALLOWANCE;
    outputTokens = Math.max(outputTokens, output);
    const price = deployment.price;
    if (price === undefined) continue;
    const inputPrice = Math.max(price.input, price.cacheWrite ?? 0, price.cachedInput ?? 0);
    worstCaseUsd = Math.max(
      worstCaseUsd,
      (promptTokensBound * inputPrice + output * price.output) / 1_000_000,
    );
  }
  return {
    promptTokensBound,
    promptTokens: Math.ceil(promptTokensBound / 4),
    outputTokens,
    worstCaseUsd: Number(worstCaseUsd.toFixed(12)),
  };
}
