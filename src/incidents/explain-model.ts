import type { RequestLogRow } from '../store/index.js';
import type {
  CanaryCounts,
  ExplainFinding,
  ExplainInput,
  ExplainThresholds,
  ExplainVerdict,
  FirstTokenStats,
  HostTimeline,
  ModelExplanation,
  UserOutcome,
} from './explain-types.js';

/**
 * "Is it the model or the infrastructure?" (issue 15 item 7): one model's request log over a window,
 * read per host (deployment) in time buckets, turned into findings and one verdict with numbers.
 * Pure: the route gathers rows, live health, canary tallies and incidents, and this decides.
 */

/** Failure classes behind each error verdict (DESIGN.md §6). Client errors and policy refusals are the client's. */
export const CLASSES_OF: Readonly<
  Record<'infrastructure' | 'capacity' | 'configuration', readonly string[]>
> = {
  infrastructure: ['server_error', 'transport', 'timeout', 'bad_response'],
  capacity: ['overloaded', 'rate_limited'],
  configuration: ['auth', 'not_found', 'quota'],
};

/** Defaults of {@link ExplainThresholds}; the route and the CLI state them in `rule`. */
export const DEFAULT_EXPLAIN_THRESHOLDS: ExplainThresholds = {
  minErrors: 3,
  minErrorShare: 0.05,
  minConfigErrors: 1,
  slowFactor: 2,
  minSlowShare: 0.25,
  minSlowSamples: 3,
  minCanaryGraded: 10,
  minCanaryDrop: 0.1,
};

/** The dominance rule, in words (returned with every answer). */
export const DOMINANCE_RULE =
  'the finding touching the most attempts wins (failed attempts for errors, slow first tokens for latency, failed canary runs for quality); ties go to configuration, then infrastructure, capacity, latency, quality';

const TIE_ORDER: readonly ExplainVerdict[] = [
  'configuration',
  'infrastructure',
  'capacity',
  'latency',
  'quality',
];

/** Bucket width for a window: 1 min up to 2 h, 5 min up to 6 h, 15 min up to 24 h, else 1 h. */
export function bucketWidthFor(spanMs: number): number {
  const minute = 60_000;
  if (spanMs <= 2 * 60 * minute) return minute;
  if (spanMs <= 6 * 60 * minute) return 5 * minute;
  if (spanMs <= 24 * 60 * minute) return 15 * minute;
  return 60 * minute;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] ?? null;
}

function statsOf(values: number[]): FirstTokenStats {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50Ms: percentile(sorted, 0.5), p95Ms: percentile(sorted, 0.95), samples: sorted.length };
}

function failed(row: RequestLogRow): boolean {
  return row.outcome !== 'success' && row.outcome !== 'abandoned';
}

/**
 * The answering host's own first-token time for one request: a stream's time to first token less
 * the attempts before it (failover time is not the host's), or a whole answer's latency.
 */
function firstTokenSample(row: RequestLogRow): { deployment: string; ms: number } | undefined {
  if (row.deployment === null || row.outcome !== 'success') return undefined;
  const index = row.attempts.findLastIndex(
    (attempt) => attempt.deployment === row.deployment && attempt.outcome === 'success',
  );
  if (index < 0) return undefined;
  if (row.timeToFirstTokenMs === null)
    return { deployment: row.deployment, ms: row.attempts[index]!.latencyMs };
  const before = row.attempts.slice(0, index).reduce((total, attempt) => total + attempt.latencyMs, 0);
  return { deployment: row.deployment, ms: Math.max(0, row.timeToFirstTokenMs - before) };
}

function add(counts: Record<string, number>, key: string, amount = 1): void {
  counts[key] = (counts[key] ?? 0) + amount;
}

const sumOf = (counts: Record<string, number>, keys: readonly string[]) =>
  keys.reduce((total, key) => total + (counts[key] ?? 0), 0);

/** Reads the window into host timelines, findings and a verdict. */
export function explainModel(input: ExplainInput): ModelExplanation {
  const thresholds = { ...DEFAULT_EXPLAIN_THRESHOLDS, ...input.thresholds };
  const bucketCount = Math.max(1, Math.ceil((input.to - input.from) / input.bucketMs));
  const order = [...input.deployments];
  for (const row of input.rows) {
    for (const attempt of row.attempts)
      if (!order.includes(attempt.deployment)) order.push(attempt.deployment);
  }
  const samples = new Map<string, number[][]>();
  const hosts = new Map<string, HostTimeline>(
    order.map((deployment) => {
      samples.set(
        deployment,
        Array.from({ length: bucketCount }, () => []),
      );
      return [
        deployment,
        {
          deployment,
          configured: input.deployments.includes(deployment),
          live: input.live.get(deployment) ?? null,
          attempts: 0,
          successes: 0,
          errors: {},
          reachedUsers: 0,
          reachedByClass: {},
          ttft: { p50Ms: null, p95Ms: null, samples: 0 },
          baseline: null,
          canaries: null,
          buckets: Array.from({ length: bucketCount }, (_, index) => ({
            start: input.from + index * input.bucketMs,
            attempts: 0,
            errors: {},
            reachedUsers: 0,
            ttftP50Ms: null,
            ttftP95Ms: null,
            ttftSamples: 0,
          })),
        },
      ];
    }),
  );

  const users: UserOutcome = { requests: 0, errors: 0, errorRate: 0 };
  for (const row of input.rows) {
    if (row.time < input.from || row.time >= input.to) continue;
    const index = Math.min(bucketCount - 1, Math.floor((row.time - input.from) / input.bucketMs));
    const rowFailed = failed(row);
    users.requests += 1;
    if (rowFailed) users.errors += 1;
    for (const attempt of row.attempts) {
      const host = hosts.get(attempt.deployment);
      const bucket = host?.buckets[index];
      if (host === undefined || bucket === undefined) continue;
      host.attempts += 1;
      bucket.attempts += 1;
      if (attempt.outcome === 'success') {
        host.successes += 1;
        continue;
      }
      add(host.errors, attempt.outcome);
      add(bucket.errors, attempt.outcome);
      if (rowFailed) {
        host.reachedUsers += 1;
        add(host.reachedByClass, attempt.outcome);
        bucket.reachedUsers += 1;
      }
    }
    const sample = firstTokenSample(row);
    if (sample !== undefined) samples.get(sample.deployment)?.[index]?.push(sample.ms);
  }
  users.errorRate = users.requests === 0 ? 0 : users.errors / users.requests;

  const beforeSamples = new Map<string, number[]>();
  for (const row of input.baselineRows) {
    const sample = firstTokenSample(row);
    if (sample === undefined) continue;
    const list = beforeSamples.get(sample.deployment) ?? [];
    list.push(sample.ms);
    beforeSamples.set(sample.deployment, list);
  }

  for (const host of hosts.values()) {
    const perBucket = samples.get(host.deployment) ?? [];
    host.buckets.forEach((bucket, index) => {
      const stats = statsOf(perBucket[index] ?? []);
      bucket.ttftP50Ms = stats.p50Ms;
      bucket.ttftP95Ms = stats.p95Ms;
      bucket.ttftSamples = stats.samples;
    });
    host.ttft = statsOf(perBucket.flat());
    const before = statsOf(beforeSamples.get(host.deployment) ?? []);
    // The log before the window is the host's own usual; without one, what the health store learned.
    if (before.samples >= thresholds.minSlowSamples) host.baseline = { ...before, source: 'log' };
    else if (host.live?.baselineTtftMs != null)
      host.baseline = { p50Ms: null, p95Ms: host.live.baselineTtftMs, samples: 0, source: 'live' };
  }

  if (input.canaries !== undefined) {
    const tally = (tallies: readonly CanaryCounts[], deployment: string) => {
      const own = tallies.filter((entry) => entry.deployment === deployment);
      return {
        graded: own.reduce((total, entry) => total + entry.graded, 0),
        passed: own.reduce((total, entry) => total + entry.passed, 0),
        unanswered: own.reduce((total, entry) => total + entry.unanswered, 0),
      };
    };
    const window = input.canaries.slices.flatMap((slice) => slice.tallies);
    for (const host of hosts.values()) {
      const now = tally(window, host.deployment);
      const before = tally(input.canaries.before, host.deployment);
      if (now.graded + now.unanswered + before.graded === 0) continue;
      host.canaries = {
        ...now,
        slices: input.canaries.slices.map((slice) => {
          const counts = tally(slice.tallies, host.deployment);
          return {
            from: slice.from,
            to: slice.to,
            graded: counts.graded,
            passed: counts.passed,
            passRate: counts.graded === 0 ? null : counts.passed / counts.graded,
          };
        }),
        passRate: now.graded === 0 ? null : now.passed / now.graded,
        baselinePassRate: before.graded === 0 ? null : before.passed / before.graded,
        baselineGraded: before.graded,
      };
    }
  }

  const timelines = [...hosts.values()];
  const findings = findingsOf(timelines, thresholds, input.since);
  const verdict = dominant(findings);
  return {
    model: input.model,
    from: input.from,
    to: input.to,
    since: input.since,
    bucketMs: input.bucketMs,
    verdict,
    summary: summaryOf(input, verdict, findings, timelines, users),
    findings,
    rule: DOMINANCE_RULE,
    users: { ...users, errorRate: round(users.errorRate) },
    canariesMeasured: input.canaries !== undefined,
    hosts: timelines,
    incidents: input.incidents
      .filter((incident) => incident.components.includes(input.model))
      .filter((incident) => incident.startedAt < input.to && (incident.resolvedAt ?? Infinity) >= input.from)
      .map((incident) => ({
        id: incident.id,
        kind: incident.kind,
        status: incident.status,
        title: incident.title,
        startedAt: incident.startedAt,
        resolvedAt: incident.resolvedAt ?? null,
      })),
    truncated: input.truncated,
  };
}

/** The winning finding's kind by {@link DOMINANCE_RULE}, or `nothing`. */
function dominant(findings: readonly ExplainFinding[]): ExplainVerdict {
  const byKind = new Map<ExplainVerdict, number>();
  for (const finding of findings)
    byKind.set(finding.kind, (byKind.get(finding.kind) ?? 0) + finding.affected);
  let best: ExplainVerdict = 'nothing';
  let bestCount = 0;
  for (const kind of TIE_ORDER) {
    const count = byKind.get(kind) ?? 0;
    if (count > bestCount) {
      best = kind;
      bestCount = count;
    }
  }
  return best;
}

function findingsOf(
  hosts: readonly HostTimeline[],
  thresholds: ExplainThresholds,
  since: string,
): ExplainFinding[] {
  const findings: ExplainFinding[] = [];
  for (const host of hosts) {
    for (const kind of ['configuration', 'infrastructure', 'capacity'] as const) {
      const classes = CLASSES_OF[kind];
      const count = sumOf(host.errors, classes);
      const enough =
        kind === 'configuration'
          ? count >= thresholds.minConfigErrors
          : count >= thresholds.minErrors && count >= thresholds.minErrorShare * host.attempts;
      if (!enough) continue;
      const byClass = Object.fromEntries(
        classes.filter((name) => (host.errors[name] ?? 0) > 0).map((name) => [name, host.errors[name] ?? 0]),
      );
      const reached = sumOf(host.reachedByClass, classes);
      findings.push({
        kind,
        deployment: host.deployment,
        affected: count,
        outOf: host.attempts,
        classes: byClass,
        reachedUsers: reached,
        sentence: errorSentence(kind, host, byClass, count, reached, since),
      });
    }
  }
  const troubled = new Set(findings.map((finding) => finding.deployment));
  for (const host of hosts) {
    const latency = latencyFinding(host, thresholds, since);
    if (latency !== undefined) findings.push(latency);
  }
  for (const host of hosts) {
    // Quality is judged only where errors are normal: a host failing requests is not a quality sample.
    if (troubled.has(host.deployment)) continue;
    const quality = qualityFinding(host, hosts, thresholds, since);
    if (quality !== undefined) findings.push(quality);
  }
  return findings;
}

function latencyFinding(
  host: HostTimeline,
  thresholds: ExplainThresholds,
  since: string,
): ExplainFinding | undefined {
  const baseline = host.baseline;
  if (baseline === null) return undefined;
  const usual = baseline.source === 'log' ? baseline.p50Ms : baseline.p95Ms;
  if (usual === null || usual <= 0) return undefined;
  const active = host.buckets.filter((bucket) => bucket.ttftSamples > 0);
  const slow = active.filter((bucket) => {
    const value = baseline.source === 'log' ? bucket.ttftP50Ms : bucket.ttftP95Ms;
    return value !== null && value >= thresholds.slowFactor * usual;
  });
  const slowSamples = slow.reduce((total, bucket) => total + bucket.ttftSamples, 0);
  if (active.length === 0 || slow.length < thresholds.minSlowShare * active.length) return undefined;
  if (slowSamples < thresholds.minSlowSamples) return undefined;
  const now = baseline.source === 'log' ? host.ttft.p50Ms : host.ttft.p95Ms;
  const label = baseline.source === 'log' ? 'p50' : 'p95';
  const factor = now === null ? 0 : now / usual;
  return {
    kind: 'latency',
    deployment: host.deployment,
    affected: slowSamples,
    outOf: host.ttft.samples,
    sentence: `time to first token on ${host.deployment}: ${label} ${now} ms against its usual ${usual} ms (${factor.toFixed(1)}×), slow in ${slow.length} of ${active.length} ${plural(active.length, 'bucket')} with traffic in the last ${since}; errors normal.`,
  };
}

function qualityFinding(
  host: HostTimeline,
  hosts: readonly HostTimeline[],
  thresholds: ExplainThresholds,
  since: string,
): ExplainFinding | undefined {
  const canaries = host.canaries;
  if (canaries === null || canaries.passRate === null || canaries.graded < thresholds.minCanaryGraded)
    return undefined;
  // Its own earlier rate when it had enough runs; else the best sibling's rate over the same window.
  let reference: { rate: number; what: string } | undefined;
  if (canaries.baselinePassRate !== null && canaries.baselineGraded >= thresholds.minCanaryGraded) {
    reference = { rate: canaries.baselinePassRate, what: 'its own rate before' };
  } else {
    for (const sibling of hosts) {
      const rate = sibling.canaries?.passRate;
      if (sibling === host || rate == null || (sibling.canaries?.graded ?? 0) < thresholds.minCanaryGraded)
        continue;
      if (reference === undefined || rate > reference.rate)
        reference = { rate, what: `${sibling.deployment}'s over the same window` };
    }
  }
  // Rounded: 0.9 − 0.8 is 0.0999… in floating point, and a drop of exactly ten points must count.
  if (reference === undefined || round(reference.rate - canaries.passRate) < thresholds.minCanaryDrop)
    return undefined;
  return {
    kind: 'quality',
    deployment: host.deployment,
    affected: canaries.graded - canaries.passed,
    outOf: canaries.graded,
    sentence: `canary pass rate on ${host.deployment} fell to ${percent(canaries.passRate)} (${canaries.passed} of ${canaries.graded}) from ${percent(reference.rate)} (${reference.what}) in the last ${since}, while its errors are normal: the answers changed, not the infrastructure.`,
  };
}

const CLASS_WORDS: Readonly<Record<string, string>> = {
  overloaded: 'overloaded',
  rate_limited: 'rate limited (429)',
  server_error: 'server errors',
  transport: 'transport failures',
  timeout: 'timeouts',
  bad_response: 'bad responses',
  auth: 'credentials rejected (401/403)',
  not_found: 'model not found (404)',
  quota: 'quota exhausted',
};

function errorSentence(
  kind: 'configuration' | 'infrastructure' | 'capacity',
  host: HostTimeline,
  classes: Record<string, number>,
  count: number,
  reached: number,
  since: string,
): string {
  const what = Object.entries(classes)
    .map(([name, n]) => `${CLASS_WORDS[name] ?? name}${Object.keys(classes).length > 1 ? ` ${n}` : ''}`)
    .join(', ');
  const side =
    kind === 'configuration'
      ? ' — our side: a revoked or wrong vendor key, a model id the host does not know, or a spent quota'
      : '';
  return `${what} on ${host.deployment}: ${count.toLocaleString('en-US')} of ${host.attempts.toLocaleString('en-US')} ${plural(host.attempts, 'attempt')} (${percent(count / Math.max(1, host.attempts))}) in the last ${since}; ${reached} reached users after failover${side}.`;
}

function canaryClause(
  hosts: readonly HostTimeline[],
  findings: readonly ExplainFinding[],
  measured: boolean,
): string {
  if (!measured) return 'canaries not measured';
  const answered = hosts.filter((host) => (host.canaries?.graded ?? 0) > 0);
  if (answered.length === 0) return 'no canary runs in the window: quality not measured';
  const graded = answered.reduce((total, host) => total + (host.canaries?.graded ?? 0), 0);
  const passed = answered.reduce((total, host) => total + (host.canaries?.passed ?? 0), 0);
  const verdict = findings.some((finding) => finding.kind === 'quality')
    ? 'see the quality finding'
    : 'model quality unaffected';
  return `canary pass rate ${percent(passed / graded)} on the hosts that answered: ${verdict}`;
}

function summaryOf(
  input: ExplainInput,
  verdict: ExplainVerdict,
  findings: readonly ExplainFinding[],
  hosts: readonly HostTimeline[],
  users: UserOutcome,
): string {
  const canaries = canaryClause(hosts, findings, input.canaries !== undefined);
  const usersSentence = `Users of ${input.model}: ${users.errors} of ${users.requests} ${plural(users.requests, 'request')} ended in an error.`;
  if (verdict === 'nothing') {
    const attempts = hosts.reduce((total, host) => total + host.attempts, 0);
    const errors = hosts.reduce(
      (total, host) => total + Object.values(host.errors).reduce((sum, count) => sum + count, 0),
      0,
    );
    return `Nothing found on ${input.model} in the last ${input.since}: ${attempts} ${plural(attempts, 'attempt')} on ${hosts.length} ${plural(hosts.length, 'host')}, ${errors} failed, first tokens at their usual speed; ${canaries}. ${usersSentence}`;
  }
  const ranked = [...findings].sort((a, b) => b.affected - a.affected);
  const lead = ranked.find((finding) => finding.kind === verdict);
  const others = ranked.filter((finding) => finding !== lead);
  // A quality finding is itself the canary result; the others say whether canaries rule quality out.
  const headline =
    lead === undefined
      ? ''
      : verdict === 'quality'
        ? capitalise(lead.sentence)
        : `${capitalise(lead.sentence.replace(/\.$/, ''))}; ${canaries}.`;
  const also = others.length === 0 ? '' : ` Also: ${others.map((finding) => finding.sentence).join(' ')}`;
  return `${headline}${also} ${usersSentence}`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)} %`;
}

function plural(count: number, word: string): string {
  return count === 1 ? word : `${word}s`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
