import type { BreakerStateName, DeploymentHealth, OutcomeResult, WindowStats } from '../health/index.js';
import type { ComponentStatus, IncidentKind } from '../store/index.js';
import { visibleErrorsOf } from './component-status.js';
import type { CanaryReading, QualityAlarm } from './quality-view.js';

/** One deployment's numbers in an incident. */
export interface DeploymentEvidence {
  id: string;
  /** Whether this deployment is one the incident is about. */
  troubled: boolean;
  state: BreakerStateName;
  /** Attempts over the last 5 minutes. */
  attempts: number;
  successes: number;
  /** Host failures (overloaded, server_error, timeout, transport, bad_response). */
  failures: number;
  failureRate: number;
  byClass: Partial<Record<OutcomeResult, number>>;
  latencyP95Ms: number | null;
  ttftP95Ms: number | null;
  /** The deployment's own usual p95 time to first token. */
  baselineTtftMs: number | null;
  /** Consecutive ejections (the multiplier). */
  ejections: number;
  slow: boolean;
}

/** What an incident says, in numbers (DESIGN.md §7). */
export interface IncidentEvidence {
  kind: IncidentKind;
  /** What failed: the host's infrastructure (errors), its capacity (overloaded), or its speed. */
  attribution: 'host_infrastructure' | 'capacity' | 'latency';
  /** Every count below is over this window. */
  window: '5m';
  deployments: DeploymentEvidence[];
  /** What clients of the model got after failover. */
  users: { requests: number; errors: number; errorRate: number; sawErrors: boolean };
  /** Which deployments served the model's traffic (successful attempts). */
  servedBy: Array<{ deployment: string; successes: number }>;
  /** The model's published status when measured. */
  componentStatus: ComponentStatus;
  /** What the quality canaries said meanwhile: the model's quality ruled in or out, with numbers. */
  canaries: CanaryEvidence;
}

/**
 * The canaries' verdict beside an incident (DESIGN.md §7: the canary result that rules quality in
 * or out). `unaffected`: runs were graded and no deployment of the model has a quality alarm;
 * `degraded`: one has; `unknown`: no graded runs (canaries off, or every host failed them).
 */
export interface CanaryEvidence {
  measured: boolean;
  /** The window of the counts (`15m`). */
  window: string;
  /** Graded runs on the model's hosts that answered, and how many passed. */
  graded: number;
  passed: number;
  passRate: number | null;
  hosts: CanaryReading[];
  /** Deployments with a public quality alarm. */
  alarms: string[];
  verdict: 'unaffected' | 'degraded' | 'unknown';
  /** The sentence the status page and webhooks carry. */
  note: string;
}

/** The canary inputs of an evidence: absent when canaries are off. */
export interface CanaryInput {
  readings: readonly CanaryReading[];
  alarms: readonly QualityAlarm[];
  windowMs: number;
}

/** Inputs of {@link measureEvidence}. */
export interface EvidenceInput {
  model: string;
  deploymentIds: readonly string[];
  troubled: readonly string[];
  health: ReadonlyMap<string, DeploymentHealth>;
  requests: WindowStats | undefined;
  published: ComponentStatus;
  usersSawErrors: boolean;
  /** What the quality canaries measured; absent when canaries are off. */
  canaries?: CanaryInput;
}

const HOST_FAILURES: readonly OutcomeResult[] = [
  'overloaded',
  'server_error',
  'timeout',
  'transport',
  'bad_response',
];

/** Gathers an incident's numbers from the health windows. */
export function measureEvidence(input: EvidenceInput): IncidentEvidence {
  const deployments: DeploymentEvidence[] = input.deploymentIds.map((id) => {
    const health = input.health.get(id);
    const stats = health?.windows.fiveMinutes;
    return {
      id,
      troubled: input.troubled.includes(id),
      state: health?.status.state ?? 'closed',
      attempts: stats?.total ?? 0,
      successes: stats?.successes ?? 0,
      failures: stats?.failures ?? 0,
      failureRate: round(stats?.failureRate ?? 0),
      byClass: { ...(stats?.byResult ?? {}) },
      latencyP95Ms: stats?.latencyP95 ?? null,
      ttftP95Ms: stats?.ttftP95 ?? null,
      baselineTtftMs: health?.baselineTtftMs ?? null,
      ejections: health?.ejectionCount ?? 0,
      slow: health?.status.degraded ?? false,
    };
  });
  const troubled = deployments.filter((deployment) => deployment.troubled);
  const counted = troubled.length > 0 ? troubled : deployments;
  const overloaded = sum(counted.map((deployment) => deployment.byClass.overloaded ?? 0));
  const failures = sum(counted.map((deployment) => deployment.failures));
  const kind: IncidentKind =
    failures === 0 && counted.some((deployment) => deployment.slow)
      ? 'latency'
      : overloaded * 2 >= failures && overloaded > 0
        ? 'overloaded'
        : 'outage';
  const requests = input.requests;
  const errors = requests === undefined ? 0 : visibleErrorsOf(requests);
  const total = requests?.total ?? 0;
  return {
    kind,
    attribution: kind === 'latency' ? 'latency' : kind === 'overloaded' ? 'capacity' : 'host_infrastructure',
    window: '5m',
    deployments,
    users: {
      requests: total,
      errors,
      errorRate: total === 0 ? 0 : round(errors / total),
      sawErrors: input.usersSawErrors || errors > 0,
    },
    servedBy: deployments
      .filter((deployment) => deployment.successes > 0)
      .map((deployment) => ({ deployment: deployment.id, successes: deployment.successes }))
      .sort((a, b) => b.successes - a.successes),
    componentStatus: input.published,
    canaries: canaryEvidenceOf(input.canaries),
  };
}

/** The canaries' side of an incident, with the sentence that rules quality in or out. */
export function canaryEvidenceOf(input: CanaryInput | undefined): CanaryEvidence {
  const window = input === undefined ? '15m' : `${Math.round(input.windowMs / 60_000)}m`;
  const hosts = (input?.readings ?? []).filter((reading) => reading.graded > 0);
  const graded = sum(hosts.map((reading) => reading.graded));
  const passed = sum(hosts.map((reading) => reading.passed));
  const alarms = [...new Set((input?.alarms ?? []).map((alarm) => alarm.deployment))];
  const base = {
    window,
    graded,
    passed,
    passRate: graded === 0 ? null : round(passed / graded),
    hosts,
    alarms,
  };
  if (alarms.length > 0) {
    return {
      ...base,
      measured: true,
      verdict: 'degraded',
      note: `canaries: quality alarm on ${alarms.join(', ')}; pass rate ${percent(passed, graded)} over ${graded} graded runs in the last ${window}`,
    };
  }
  const unsettled = hosts.filter((reading) => reading.phase === 'learning' || reading.phase === 'suspect');
  if (graded > 0 && unsettled.length > 0) {
    const why = unsettled
      .map((reading) =>
        reading.phase === 'learning'
          ? `${reading.deployment} still learning its baseline`
          : `${reading.deployment} under suspicion`,
      )
      .join(', ');
    return {
      ...base,
      measured: true,
      verdict: 'unknown',
      note: `canary pass rate ${percent(passed, graded)} on the hosts that answered (${graded} runs in the last ${window}), ${why}: model quality not yet judged`,
    };
  }
  if (graded === 0) {
    return {
      ...base,
      measured: false,
      verdict: 'unknown',
      note:
        input === undefined
          ? 'canaries: off, model quality not measured'
          : `canaries: no graded runs in the last ${window}, model quality not measured`,
    };
  }
  return {
    ...base,
    measured: true,
    verdict: 'unaffected',
    note: `canary pass rate ${percent(passed, graded)} on the hosts that answered (${graded} runs in the last ${window}): model quality unaffected`,
  };
}

/** The plain-language title and timeline texts of an incident. */
export interface IncidentTexts {
  title: string;
  investigating: string;
  identified: string;
  monitoring: string;
  resolved: (quietMs: number) => string;
}

/** The plain-language texts of an incident's title and timeline, written from its evidence. */
export function describeIncident(model: string, evidence: IncidentEvidence): IncidentTexts {
  const troubled = evidence.deployments.filter((deployment) => deployment.troubled);
  const about = troubled.length > 0 ? troubled : evidence.deployments;
  const names = about.map((deployment) => deployment.id).join(', ');
  const failed = sum(about.map((deployment) => deployment.failures));
  const attempts = sum(about.map((deployment) => deployment.attempts));
  const classes = summariseClasses(about);
  const users = evidence.users.sawErrors
    ? `Users saw errors: ${evidence.users.errors} of ${evidence.users.requests} requests failed in the last 5 minutes.`
    : `Users saw no errors: all ${evidence.users.requests} requests in the last 5 minutes were answered${servedByText(evidence)}.`;
  const measured =
    evidence.kind === 'latency'
      ? `${names} is slow: p95 time to first token ${ms(about[0]?.ttftP95Ms)} against its usual ${ms(about[0]?.baselineTtftMs)}, with no errors.`
      : `${failed} of ${attempts} attempts to ${names} failed in the last 5 minutes (${percent(failed, attempts)}${classes}).`;
  const cause =
    evidence.kind === 'overloaded'
      ? 'the host is overloaded (capacity at the provider), an infrastructure problem, not the model'
      : evidence.kind === 'latency'
        ? 'the host is slow (infrastructure latency), not failing'
        : 'the host is failing at the infrastructure level (server errors, timeouts or broken connections), not the model';
  return {
    title: `${model}: ${evidence.kind === 'overloaded' ? 'provider overloaded' : evidence.kind === 'latency' ? 'slow responses' : 'provider errors'} on ${names}`,
    investigating: `${measured} ${users}`,
    identified: `Cause: ${cause}. Detour routes ${model} around it. ${evidence.canaries.note}. ${users}`,
    monitoring: `${names} is answering normally again and takes traffic back gradually. Watching before resolving.`,
    resolved: (quietMs: number) => `No further trouble for ${duration(quietMs)}. ${users}`,
  };
}

function servedByText(evidence: IncidentEvidence): string {
  const healthy = evidence.servedBy.filter(
    (entry) => !evidence.deployments.find((d) => d.id === entry.deployment)?.troubled,
  );
  if (healthy.length === 0) return '';
  return `, by ${healthy.map((entry) => `${entry.deployment} (${entry.successes})`).join(', ')}`;
}

function summariseClasses(deployments: readonly DeploymentEvidence[]): string {
  const parts = HOST_FAILURES.map(
    (name) => [name, sum(deployments.map((d) => d.byClass[name] ?? 0))] as const,
  )
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`);
  return parts.length === 0 ? '' : `: ${parts.join(', ')}`;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${Math.round((part / whole) * 100)}%`;
}

function duration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  return seconds < 120 ? `${seconds} seconds` : `${Math.round(seconds / 60)} minutes`;
}

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? 'unknown' : `${Math.round(value)} ms`;
}
