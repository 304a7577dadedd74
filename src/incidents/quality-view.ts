/**
 * What the incident detector reads about model quality (DESIGN.md §7 "Quality canaries"). The
 * canaries live beside the incidents in the layering (both under `server`), so the detector sees
 * them only through this view, which the server builds from the canary monitor.
 */

/** A public quality alarm on one deployment: its canaries dropped, confirmed against its siblings. */
export interface QualityAlarm {
  deployment: string;
  model: string;
  /** One host only: `host`; every host of the model: `model`; with a changed version string: `vendor_update`. */
  attribution: 'host' | 'model' | 'vendor_update';
  /** When the alarm went public (epoch ms). */
  since: number;
  /** Pass rate of its canaries before the drop (its baseline) and since. */
  baselineRate: number;
  currentRate: number;
  /** Graded canary runs the current rate is over. */
  samples: number;
  /** The statistics as measured (SPRT log-likelihood ratio, Fisher p-value, per-suite rates …). */
  evidence: Record<string, unknown>;
}

/** Graded canary runs of one deployment over a recent window. */
export interface CanaryReading {
  deployment: string;
  /** Runs the host answered and a grader judged. */
  graded: number;
  passed: number;
  /**
   * Where its statistics stand: `learning` its baseline, `healthy`, `suspect` (the sequential test
   * alarmed, not yet confirmed) or `alarm`; absent when unknown.
   */
  phase?: 'learning' | 'healthy' | 'suspect' | 'alarm';
}

/** The canaries' view of the models, read at every evaluation. */
export interface QualityView {
  /** Public quality alarms on the model's deployments. */
  alarms(model: string): readonly QualityAlarm[];
  /** Canary results of these deployments over the last `windowMs`. */
  readings(deploymentIds: readonly string[], windowMs: number): readonly CanaryReading[];
}
