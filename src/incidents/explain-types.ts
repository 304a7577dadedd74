import type { Incident, RequestLogRow } from '../store/index.js';

// The shapes of `GET /admin/explain` and of the input of `explainModel` (explain-model.ts).

/**
 * Canary pass counts of one deployment over a span: the fields of `CanaryTally`
 * (`canaries/types.ts`) this module reads, so a tally passes as it is.
 */
export interface CanaryCounts {
  deployment: string;
  graded: number;
  passed: number;
  unanswered: number;
}

/** What the evidence points at. */
export type ExplainVerdict =
  | 'infrastructure'
  | 'capacity'
  | 'latency'
  | 'quality'
  | 'configuration'
  | 'nothing';

/** When a finding is raised; every count is over the whole window, per host. */
export interface ExplainThresholds {
  /** Infrastructure and capacity: at least this many failed attempts of the group … */
  minErrors: number;
  /** … making at least this share of the host's attempts. */
  minErrorShare: number;
  /** Configuration: this many auth / not_found / quota attempts (one revoked key is one failure, then the host is disabled). */
  minConfigErrors: number;
  /** Latency: a bucket is slow when its TTFT p50 (p95 against a live baseline) is ≥ this × the baseline … */
  slowFactor: number;
  /** … and the finding needs this share of the host's buckets with traffic to be slow … */
  minSlowShare: number;
  /** … holding at least this many first-token samples. */
  minSlowSamples: number;
  /** Quality: at least this many graded canary runs in the window … */
  minCanaryGraded: number;
  /** … whose pass rate is this many points (0–1) below the host's own earlier rate (else its best sibling's). */
  minCanaryDrop: number;
}

/** Time to first token of a host in some span; null without samples. */
export interface FirstTokenStats {
  p50Ms: number | null;
  p95Ms: number | null;
  samples: number;
}

/** One time bucket of one host. */
export interface HostBucket {
  /** Bucket start (epoch ms). */
  start: number;
  attempts: number;
  /** Failed attempts by failure class. */
  errors: Record<string, number>;
  /** Failed attempts whose request ended in an error for the client (no failover saved it). */
  reachedUsers: number;
  ttftP50Ms: number | null;
  ttftP95Ms: number | null;
  ttftSamples: number;
}

/** A host's usual time to first token. */
export interface FirstTokenBaseline {
  p50Ms: number | null;
  p95Ms: number | null;
  samples: number;
  /** `log`: the request log before the window; `live`: the health store's learned p95. */
  source: 'log' | 'live';
}

/** Canary tallies of one slice of the window (`to` exclusive). */
export interface CanarySlice {
  from: number;
  to: number;
  tallies: readonly CanaryCounts[];
}

/** One host's canary runs in one slice of the window. */
export interface HostCanarySlice {
  from: number;
  to: number;
  graded: number;
  passed: number;
  passRate: number | null;
}

/** Canary pass rates of one host (answered runs only). */
export interface HostCanaries {
  /** The window in slices, oldest first: the canary timeline (coarser than the buckets). */
  slices: HostCanarySlice[];
  graded: number;
  passed: number;
  unanswered: number;
  passRate: number | null;
  /** The host's own pass rate over the period before the window, when it had runs. */
  baselinePassRate: number | null;
  baselineGraded: number;
}

/** Live health of a host now. */
export interface HostLive {
  state: string;
  degraded: boolean;
  baselineTtftMs: number | null;
}

/** One host's timeline and totals. */
export interface HostTimeline {
  deployment: string;
  /** False for a deployment that is not (or no longer) configured for the model but appears in its log. */
  configured: boolean;
  live: HostLive | null;
  attempts: number;
  successes: number;
  errors: Record<string, number>;
  reachedUsers: number;
  /** Of the failed attempts that reached users, how many of each class. */
  reachedByClass: Record<string, number>;
  ttft: FirstTokenStats;
  baseline: FirstTokenBaseline | null;
  canaries: HostCanaries | null;
  buckets: HostBucket[];
}

/** One thing found wrong. */
export interface ExplainFinding {
  kind: Exclude<ExplainVerdict, 'nothing'>;
  deployment: string;
  /** The attempts (or first-token samples, or canary runs) it touches: what ranks findings. */
  affected: number;
  /** Out of how many (attempts, samples, graded runs). */
  outOf: number;
  /** The failure classes behind it, for error findings. */
  classes?: Record<string, number>;
  /** Of the failed attempts, how many reached users after failover (error findings). */
  reachedUsers?: number;
  /** Plain-language sentence with the numbers. */
  sentence: string;
}

/** What the model's clients got. */
export interface UserOutcome {
  requests: number;
  /** Requests that ended in an error (abandoned ones are neither). */
  errors: number;
  errorRate: number;
}

/** The answer of `GET /admin/explain`. */
export interface ModelExplanation {
  model: string;
  /** Window (epoch ms, `to` exclusive) and the requested span as written (`2h`). */
  from: number;
  to: number;
  since: string;
  bucketMs: number;
  verdict: ExplainVerdict;
  /** One paragraph with the numbers. */
  summary: string;
  findings: ExplainFinding[];
  rule: string;
  users: UserOutcome;
  /** Whether canary tallies were available at all. */
  canariesMeasured: boolean;
  hosts: HostTimeline[];
  /** Incidents of the model that overlap the window, newest first. */
  incidents: Array<
    Pick<Incident, 'id' | 'kind' | 'status' | 'title' | 'startedAt'> & { resolvedAt: number | null }
  >;
  /** True when the log held more rows than were read (the counts are then a recent sample). */
  truncated: boolean;
}

/** Inputs of {@link explainModel}. */
export interface ExplainInput {
  model: string;
  /** Configured deployments of the model, in config order. */
  deployments: readonly string[];
  from: number;
  to: number;
  since: string;
  bucketMs: number;
  /** The model's request-log rows in the window (requested model = `model`). */
  rows: readonly RequestLogRow[];
  /** Rows of the period before the window, for each host's usual time to first token. */
  baselineRows: readonly RequestLogRow[];
  live: ReadonlyMap<string, HostLive>;
  /**
   * Canary tallies over consecutive slices of the window (together: the whole window) and over the
   * period before it; undefined when canaries are not wired.
   */
  canaries?: { slices: readonly CanarySlice[]; before: readonly CanaryCounts[] };
  incidents: readonly Incident[];
  truncated: boolean;
  thresholds?: Partial<ExplainThresholds>;
}
