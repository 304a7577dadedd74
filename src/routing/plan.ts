import type { Deployment, ModelTable } from './model-table.js';

/**
 * The ordered candidates for a request: every deployment of the requested model, then those of its
 * fallback models (DESIGN.md section 6, "order of moves": change host first, change model last).
 * Each fallback's own fallbacks are not followed, so a cycle in the config cannot loop.
 */
export function planCandidates(table: ModelTable, modelName: string): Deployment[] {
  const route = table.get(modelName);
  if (route === undefined) return [];
  const candidates = [...route.deployments];
  const seen = new Set([modelName]);
  for (const fallback of route.fallbacks) {
    if (seen.has(fallback)) continue;
    seen.add(fallback);
    candidates.push(...(table.get(fallback)?.deployments ?? []));
  }
  return candidates;
}
