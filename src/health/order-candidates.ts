import type { DeploymentStatus } from './deployment-status.js';

/** Why a candidate sits where it does in the order. */
export type CandidateTier = 'healthy' | 'ramping' | 'degraded' | 'demoted' | 'trial' | 'panic';

/** One deployment in the order to try. */
export interface OrderedCandidate {
  /** Deployment id. */
  id: string;
  /** Its tier (see {@link orderCandidates}). */
  tier: CandidateTier;
  /** Sent as a half-open trial: call `breaker.tryAcquireTrial` before sending, skip it if that fails. */
  trial: boolean;
  /** Nothing was admissible: this is the panic choice; throttle it adaptively (DESIGN.md §7). */
  panic: boolean;
  /**
   * Weighted ordering only: its effective weight among the admitted, undemoted deployments that
   * lead the order and share the first place by weight (see {@link orderCandidates}).
   */
  share?: number;
}

/**
 * Orders a model's deployments (given in the strategy's order: config order for `priority`) by
 * health. Tiers, each in the given order:
 * 1. `healthy` — admitted, not demoted, not degraded (forced deployments always land here). A
 *    deployment ramping after a restore stays here with probability = its admission weight;
 * 2. `ramping` — otherwise it moves here, behind its healthy peers, so as first choice it takes
 *    about its admission weight of the traffic it would normally get;
 * 3. `degraded` — slow but working; 4. `demoted` — failing often (demoted and degraded counts as
 *    demoted); slow beats failing;
 * 5. `trial` — half-open with a free trial slot: last, so trials mostly come from the prober when
 *    healthy peers exist, and from real traffic when they do not.
 * With `weights` (the `weighted` strategy), tiers 1–3 become one leading pool instead: each
 * candidate carries a `share` = its weight (1 when absent) × its ramp admission weight, halved when
 * degraded (DESIGN.md §7 "halves its weight"), for the caller to pick the first by; demoted and
 * trial candidates follow as above.
 * If none is admissible, returns only the one ejected longest ago (earliest `openedAt`), or if none
 * is ejected the cooling one that cools down first, flagged `panic`. Drained and disabled
 * deployments are never chosen, not even in panic. A deployment with no status has no history
 * and counts as healthy. `random` is called once per ramping deployment, and never with `weights`.
 */
export function orderCandidates(
  ids: readonly string[],
  statusById: ReadonlyMap<string, DeploymentStatus>,
  random: () => number = Math.random,
  weights?: ReadonlyMap<string, number>,
): OrderedCandidate[] {
  const tiers: Record<Exclude<CandidateTier, 'panic'>, OrderedCandidate[]> = {
    healthy: [],
    ramping: [],
    degraded: [],
    demoted: [],
    trial: [],
  };
  const pool: OrderedCandidate[] = [];
  for (const id of ids) {
    const status = statusById.get(id);
    const tier = status === undefined ? 'healthy' : tierOf(status);
    if (tier === undefined) continue;
    const ramp = status === undefined || status.forced ? 1 : status.admissionWeight;
    if (weights !== undefined && (tier === 'healthy' || tier === 'degraded')) {
      const share = (weights.get(id) ?? 1) * ramp * (tier === 'degraded' ? 0.5 : 1);
      pool.push({ ...candidate(id, tier === 'healthy' && ramp < 1 ? 'ramping' : tier), share });
    } else if (tier === 'healthy' && ramp < 1 && !(random() < ramp)) {
      tiers.ramping.push(candidate(id, 'ramping'));
    } else {
      tiers[tier].push({ ...candidate(id, tier), trial: tier === 'trial' });
    }
  }
  const ordered = [
    ...pool,
    ...tiers.healthy,
    ...tiers.ramping,
    ...tiers.degraded,
    ...tiers.demoted,
    ...tiers.trial,
  ];
  if (ordered.length > 0) return ordered;
  const panic = choosePanic(ids, statusById);
  return panic === undefined ? [] : [{ id: panic, tier: 'panic', trial: false, panic: true }];
}

/** The tier a status puts a deployment in before the ramp lottery; undefined when not admissible. */
function tierOf(status: DeploymentStatus): Exclude<CandidateTier, 'ramping' | 'panic'> | undefined {
  if (status.admission === 'no') return undefined;
  if (status.admission === 'trial') return 'trial';
  if (status.forced) return 'healthy';
  if (status.demoted) return 'demoted';
  if (status.degraded) return 'degraded';
  return 'healthy';
}

function candidate(id: string, tier: CandidateTier): OrderedCandidate {
  return { id, tier, trial: false, panic: false };
}

function choosePanic(
  ids: readonly string[],
  statusById: ReadonlyMap<string, DeploymentStatus>,
): string | undefined {
  let ejected: { id: string; at: number } | undefined;
  let cooling: { id: string; at: number } | undefined;
  for (const id of ids) {
    const status = statusById.get(id);
    if (status === undefined || status.drained || status.disabled !== undefined) continue;
    if (status.openedAt !== undefined) {
      if (ejected === undefined || status.openedAt < ejected.at) ejected = { id, at: status.openedAt };
    } else if (status.coolingUntil !== undefined) {
      if (cooling === undefined || status.coolingUntil < cooling.at)
        cooling = { id, at: status.coolingUntil };
    }
  }
  return (ejected ?? cooling)?.id;
}
