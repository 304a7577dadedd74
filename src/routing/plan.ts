import { type ChatRequest, DetourError, invalidRequest, type ProtocolName } from '../core/index.js';
import { findUntranslatableField, type UntranslatableField } from '../protocols/index.js';
import { chooseAutoOrder } from './choose-auto-order.js';
import { estimateIfNearWindow, exceedsWindow } from './context-window.js';
import { promptTokensUpperBound } from './estimate-prompt-tokens.js';
import type { Deployment, ModelTable, RoutingStrategy } from './model-table.js';
import type { RoutingState } from './routing-state.js';

/** One model's deployments that can serve a request, in config order. */
export interface PlannedModel {
  /** The Detour model name. */
  model: string;
  /** Its servable deployments, in config order. */
  deployments: Deployment[];
  /** How they are ranked; `priority` when absent. */
  strategy?: RoutingStrategy;
}

/** Options of {@link planCandidates}. */
export interface PlanOptions {
  /**
   * The models to plan, in order, instead of the requested one and its fallbacks (an `auto`
   * model's choice).
   */
  models?: readonly string[];
  /** The prompt's estimated tokens; deployments whose known window it exceeds are left out. */
  promptTokens?: number;
  /** Receives one note per deployment left out for its window. */
  notes?: string[];
}

/**
 * The models a request may be served by: the requested one first, then its fallback models
 * (DESIGN.md section 6, "order of moves": change host first, change model last), each with the
 * deployments able to serve it. The model's strategy and health decide the order within each model
 * later (attempt-sequence).
 * Each fallback's own fallbacks are not followed, so a cycle in the config cannot loop.
 * Deployments whose protocol cannot express a field of the request are left out; when that leaves
 * none, the client gets a 400 naming the field rather than an answer that silently ignored it.
 * Deployments whose known context window the prompt's estimate exceeds are left out too; when that
 * leaves none, the client gets a 400 `context_length_exceeded` and no host is called.
 */
export function planCandidates(
  table: ModelTable,
  request: ChatRequest,
  clientProtocol: ProtocolName,
  options: PlanOptions = {},
): PlannedModel[] {
  const route = table.get(request.model);
  if (route === undefined) return [];
  const names = [...(options.models ?? [request.model])];
  for (const fallback of route.fallbacks) if (!names.includes(fallback)) names.push(fallback);
  let blocker: UntranslatableField | undefined;
  let largestRefused: number | undefined;
  const planned: PlannedModel[] = [];
  for (const name of names) {
    const served = table.get(name);
    const deployments = (served?.deployments ?? []).filter((deployment) => {
      if (exceedsWindow(options.promptTokens, deployment.contextWindow)) {
        largestRefused = Math.max(largestRefused ?? 0, deployment.contextWindow ?? 0);
        options.notes?.push(
          `skipped ${deployment.deploymentId} (window ${deployment.contextWindow} < ~${options.promptTokens} tokens)`,
        );
        return false;
      }
      const wire = deployment.provider.wireFor(deployment.upstreamModel);
      if (wire === clientProtocol) return true;
      const field = findUntranslatableField(request, wire);
      blocker ??= field;
      return field === undefined;
    });
    if (served !== undefined && deployments.length > 0)
      planned.push({ model: name, deployments, strategy: served.strategy });
  }
  if (planned.length === 0 && blocker !== undefined) {
    throw invalidRequest(
      `'${blocker.field}' cannot be honoured by any deployment of '${request.model}': ${blocker.reason}`,
      blocker.field,
    );
  }
  if (planned.length === 0 && largestRefused !== undefined) {
    throw new DetourError(
      'context_length_exceeded',
      'client_error',
      `the prompt (about ${options.promptTokens} tokens) is longer than the context window of every deployment of '${request.model}' and its fallbacks (largest: ${largestRefused} tokens)`,
      { status: 400, param: 'messages' },
    );
  }
  return planned;
}

/** A request's plan: the candidates in order, the prompt estimate if one was made, and why. */
export interface RoutePlan {
  /** What to try, in order. */
  models: PlannedModel[];
  /** The prompt's estimated tokens, when some known window made it worth estimating. */
  promptTokens?: number;
  /**
   * Why the request goes where it goes, when that is more than "the model, then its fallbacks":
   * an `auto` model's choice, deployments skipped for their window. For `x-detour-route-reason`
   * and the request log.
   */
  reason?: string;
}

/**
 * Plans a request: estimates the prompt only when one of its possible deployments has a known
 * window that a cheap bound says it might not fit, chooses among an `auto` model's candidates, and
 * plans the candidates ({@link planCandidates}).
 */
export async function planRoute(
  table: ModelTable,
  request: ChatRequest,
  clientProtocol: ProtocolName,
  state: RoutingState,
  now: number,
): Promise<RoutePlan> {
  const route = table.get(request.model);
  if (route === undefined) return { models: [] };
  const reachable = [...(route.auto?.among ?? [route.name]), ...route.fallbacks];
  const windows = reachable.flatMap((name) =>
    (table.get(name)?.deployments ?? []).map((deployment) => deployment.contextWindow),
  );
  const promptTokens = await estimateIfNearWindow(request, windows);
  const notes: string[] = [];
  let models: readonly string[] | undefined;
  if (route.auto !== undefined) {
    const choice = chooseAutoOrder(route, route.auto.prefer, route.auto.among, request, {
      table,
      state,
      now,
      promptTokens,
      // Four bytes a token is the usual English average; only the ranking by price uses it.
      roughPromptTokens: () => Math.ceil(promptTokensUpperBound(request) / 4),
    });
    models = choice.models;
    notes.push(choice.reason);
  }
  const planned = planCandidates(table, request, clientProtocol, { models, promptTokens, notes });
  const plan: RoutePlan = { models: planned };
  if (promptTokens !== undefined) plan.promptTokens = promptTokens;
  if (notes.length > 0) plan.reason = notes.join('; ');
  return plan;
}
