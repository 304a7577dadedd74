import { type ChatRequest, invalidRequest, type ProtocolName } from '../core/index.js';
import { findUntranslatableField, type UntranslatableField } from '../protocols/index.js';
import type { Deployment, ModelTable } from './model-table.js';

/**
 * The ordered candidates for a request: every deployment of the requested model, then those of its
 * fallback models (DESIGN.md section 6, "order of moves": change host first, change model last).
 * Each fallback's own fallbacks are not followed, so a cycle in the config cannot loop.
 * Deployments whose protocol cannot express a field of the request are left out; when that leaves
 * none, the client gets a 400 naming the field rather than an answer that silently ignored it.
 */
export function planCandidates(table: ModelTable, request: ChatRequest, clientProtocol: ProtocolName): Deployment[] {
  const route = table.get(request.model);
  if (route === undefined) return [];
  const all = [...route.deployments];
  const seen = new Set([request.model]);
  for (const fallback of route.fallbacks) {
    if (seen.has(fallback)) continue;
    seen.add(fallback);
    all.push(...(table.get(fallback)?.deployments ?? []));
  }
  let blocker: UntranslatableField | undefined;
  const servable = all.filter((deployment) => {
    if (deployment.provider.protocol === clientProtocol) return true;
    const field = findUntranslatableField(request, deployment.provider.protocol);
    blocker ??= field;
    return field === undefined;
  });
  if (servable.length === 0 && blocker !== undefined) {
    throw invalidRequest(
      `'${blocker.field}' cannot be honoured by any deployment of '${request.model}': ${blocker.reason}`,
      blocker.field,
    );
  }
  return servable;
}
