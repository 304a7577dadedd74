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
}

/**
 * Orders a model's deployments (given in priority order) by health. Tiers, each in priority order:
 * 1. `healthy` — admitted, not demoted, not degraded (forced deployments always land here). A
 *    deployment ramping after a restore stays here with probability = its admission weight;
 * 2. `ramping` — otherwise it moves here, behind its healthy peers, so as first choice it takes
 *    about its admission weight of the traffic it would normally get;
 * 3. `degraded` — slow but working; 4. `demoted` — failing often (demoted and degraded counts as
 *    demoted); slow beats failing;
 * 5. `trial` — half-open with a free trial slot: last, so trials mostly come from the prober when
 *    healthy peers exist, and from real traffic when they do not.
 * If none is admissible, returns only the one ejected longest ago (earliest `openedAt`), or if none
 * is ejected the cooling one that cools down first, flagged `panic`. Drained and disabled
 * deployments are never chosen, not even in panic. A deployment with no status has no history
 * and counts as healthy. `random` is called once per ramping deployment.
 */
export function orderCandidates(
  ids: readonly string[],
  statusById: ReadonlyMap<string, DeploymentStatus>,
  random: () => number = Math.random,
): OrderedCandidate[] {
  const tiers: Record<Exclude<CandidateTier, 'panic'>, OrderedCandidate[]> = {
    healthy: [],
    ramping: [],
    degraded: [],
    demoted: [],
    trial: [],
  };
  for (const id of ids) {
    const status = statusById.get(id);
    if (status === undefined) {
      tiers.healthy.push(candidate(id, 'healthy'));
      continue;
    }
    if (status.admission === 'no') continue;
    if (status.admission === 'trial') {
      tiers.trial.push({ id, tier: 'trial', trial: true, panic: false });
    } else if (status.forced) {
      tiers.healthy.push(candidate(id, 'healthy'));
    } else if (status.demoted) {
      tiers.demoted.push(candidate(id, 'demoted'));
    } else if (status.degraded) {
      tiers.degraded.push(candidate(id, 'degraded'));
    } else if (status.admissionWeight >= 1 || random() < status.admissionWeight) {
      tiers.healthy.push(candidate(id, 'healthy'));
    } else {
      tiers.ramping.push(candidate(id, 'ramping'));
    }
  }
  const ordered = [...tiers.healthy, ...tiers.ramping, ...tiers.degraded, ...tiers.demoted, ...tiers.trial];
  if (ordered.length > 0) return ordered;
  const panic = choosePanic(ids, statusById);
  return panic === undefined ? [] : [{ id: panic, tier: 'panic', trial: false, panic: true }];
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
