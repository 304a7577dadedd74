import { type DeploymentStatus, type OrderedCandidate, orderCandidates } from '../health/index.js';
import type { Deployment, RoutingStrategy } from './model-table.js';
import { LATENCY_WINDOW_MS, rankByLatency } from './rank-by-latency.js';
import type { RoutingState } from './routing-state.js';

/**
 * One model's admissible deployments in the order to try them: ranked by the model's strategy,
 * then reordered by health ({@link orderCandidates}). `priority` keeps config order;
 * `least-latency` ranks by recent latency first ({@link rankByLatency}); `cost` by list price,
 * cheapest first; `weighted` leaves the
 * leading pool carrying `share`s, and the caller picks its first by smooth weighted round-robin
 * once the request reaches this model (a fallback model that is never reached must not use up a
 * turn of its rotation).
 */
export function orderByStrategy(
  strategy: RoutingStrategy,
  deployments: readonly Deployment[],
  given: ReadonlyMap<string, DeploymentStatus>,
  state: RoutingState,
): OrderedCandidate[] {
  const ids = deployments.map((deployment) => deployment.deploymentId);
  let statuses = given;
  if (state.qualityDemoted.size > 0) statuses = demoteForQuality(ids, statuses, state.qualityDemoted);
  switch (strategy) {
    case 'priority':
      return orderCandidates(ids, statuses, state.random);
    case 'least-latency': {
      const ranked = rankByLatency(
        ids,
        (id) => state.health.window(id).read(LATENCY_WINDOW_MS),
        state.random,
      );
      return orderCandidates(ranked, statuses, state.random);
    }
    case 'cost': {
      // Cheapest list price first (input + output per million tokens: a ranking, not a quote);
      // a deployment without a known price goes last. Health still reorders the result.
      const priceOf = (deployment: Deployment) =>
        deployment.price === undefined
          ? Number.POSITIVE_INFINITY
          : deployment.price.input + deployment.price.output;
      const ranked = deployments
        .map((deployment, index) => ({ id: deployment.deploymentId, price: priceOf(deployment), index }))
        .sort((left, right) => left.price - right.price || left.index - right.index)
        .map((entry) => entry.id);
      return orderCandidates(ranked, statuses, state.random);
    }
    case 'weighted': {
      const weights = new Map(
        deployments.map((deployment) => [deployment.deploymentId, deployment.weight ?? 1]),
      );
      return orderCandidates(ids, statuses, state.random, weights);
    }
    default: {
      const unknown: never = strategy;
      throw new Error(`unknown routing strategy ${String(unknown)}`);
    }
  }
}

/** The statuses with quality-demoted deployments marked demoted (a copy; health is not touched). */
function demoteForQuality(
  ids: readonly string[],
  statuses: ReadonlyMap<string, DeploymentStatus>,
  demoted: ReadonlySet<string>,
): ReadonlyMap<string, DeploymentStatus> {
  if (!ids.some((id) => demoted.has(id))) return statuses;
  const copy = new Map(statuses);
  for (const id of ids) {
    const status = copy.get(id);
    if (demoted.has(id) && status !== undefined) copy.set(id, { ...status, demoted: true });
  }
  return copy;
}
