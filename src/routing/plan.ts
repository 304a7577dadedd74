import { type ChatRequest, invalidRequest, type ProtocolName } from '../core/index.js';
import { findUntranslatableField, type UntranslatableField } from '../protocols/index.js';
import type { Deployment, ModelTable, RoutingStrategy } from './model-table.js';

/** One model's deployments that can serve a request, in config order. */
export interface PlannedModel {
  /** The Detour model name. */
  model: string;
  /** Its servable deployments, in config order. */
  deployments: Deployment[];
  /** How they are ranked; `priority` when absent. */
  strategy?: RoutingStrategy;
}

/**
 * The models a request may be served by: the requested one first, then its fallback models
 * (DESIGN.md section 6, "order of moves": change host first, change model last), each with the
 * deployments able to serve it. The model's strategy and health decide the order within each model
 * later (attempt-sequence).
 * Each fallback's own fallbacks are not followed, so a cycle in the config cannot loop.
 * Deployments whose protocol cannot express a field of the request are left out; when that leaves
 * none, the client gets a 400 naming the field rather than an answer that silently ignored it.
 */
export function planCandidates(
  table: ModelTable,
  request: ChatRequest,
  clientProtocol: ProtocolName,
): PlannedModel[] {
  const route = table.get(request.model);
  if (route === undefined) return [];
  const names = [request.model];
  for (const fallback of route.fallbacks) if (!names.includes(fallback)) names.push(fallback);
  let blocker: UntranslatableField | undefined;
  const planned: PlannedModel[] = [];
  for (const name of names) {
    const served = table.get(name);
    const deployments = (served?.deployments ?? []).filter((deployment) => {
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
  return planned;
}
