import type { FirstTokenBaseline } from '../health/index.js';

/** The adaptive first-token limit's knobs (config `timeouts.adaptiveFirstToken`), in milliseconds. */
export interface AdaptiveFirstToken {
  /** The limit is this multiple of the deployment's own p99 time to first token (default 4). */
  multiplier: number;
  /** Never below this (default 2 s): a fast host still gets time for a slow moment. */
  floorMs: number;
  /** Time-to-first-token samples the p99 must rest on before it is trusted (default 50). */
  minSamples: number;
}

/** What decides one streamed attempt's first-token limit. */
export interface FirstTokenLimitInput {
  /** The model's configured (or catalog default) first-token limit, in ms: the cap. */
  configuredMs: number;
  /** The adaptive knobs, when adaptive limits are on. */
  adaptive: AdaptiveFirstToken | undefined;
  /** The deployment's baseline, when health has one. */
  baseline: FirstTokenBaseline | undefined;
  /** Whether another candidate could still take the request if this one were abandoned. */
  hasAlternative: () => boolean;
}

/**
 * The first-token limit of one streamed attempt: `min(configured, max(floor, multiplier × p99))`
 * once the deployment has a baseline of `minSamples` first tokens and another candidate could take
 * the request; the configured limit otherwise. A host that has gone slow is then abandoned after a
 * few times its usual wait rather than the model's full limit, while a host with nowhere to fail
 * over to keeps the whole limit (a slow answer beats none). Attempts abandoned at the limit record
 * no time to first token, so a slowdown cannot raise its own limit; once the old samples age out
 * of the window the configured limit applies again and the host can show its new normal.
 * `hasAlternative` is asked last, as it reads other deployments' health.
 */
export function firstTokenLimitOf(input: FirstTokenLimitInput): number {
  const { configuredMs, adaptive, baseline } = input;
  if (adaptive === undefined || baseline === undefined || baseline.samples < adaptive.minSamples)
    return configuredMs;
  const limit = Math.min(
    configuredMs,
    Math.max(adaptive.floorMs, Math.ceil(adaptive.multiplier * baseline.p99Ms)),
  );
  if (limit >= configuredMs || !input.hasAlternative()) return configuredMs;
  return limit;
}
