import { describe, expect, it } from 'vitest';
import { deploymentHealth, windowStats } from '../../test/support/health-stats.js';
import type { DeploymentHealth, WindowStats } from '../health/index.js';
import {
  canaryEvidenceOf,
  describeIncident,
  type EvidenceInput,
  measureEvidence,
} from './incident-evidence.js';
import type { QualityAlarm } from './quality-view.js';

const WINDOW = 900_000;

const alarm: QualityAlarm = {
  deployment: 'a/up-m',
  model: 'm',
  attribution: 'host',
  since: 0,
  baselineRate: 0.8,
  currentRate: 0.6,
  samples: 40,
  evidence: {},
};

describe('canaryEvidenceOf: what the canaries say beside an incident', () => {
  it('says off when canaries are off, and unknown with no graded run', () => {
    expect(canaryEvidenceOf(undefined)).toMatchObject({
      measured: false,
      verdict: 'unknown',
      note: 'canaries: off, model quality not measured',
    });
    const none = canaryEvidenceOf({
      readings: [{ deployment: 'a/up-m', graded: 0, passed: 0 }],
      alarms: [],
      windowMs: WINDOW,
    });
    expect(none).toMatchObject({ measured: false, verdict: 'unknown', graded: 0, passRate: null });
    expect(none.note).toBe('canaries: no graded runs in the last 15m, model quality not measured');
  });

  it('rules quality out only when every host that answered has a settled baseline', () => {
    const healthy = canaryEvidenceOf({
      readings: [
        { deployment: 'a/up-m', graded: 0, passed: 0, phase: 'healthy' },
        { deployment: 'b/up-m', graded: 45, passed: 44, phase: 'healthy' },
      ],
      alarms: [],
      windowMs: WINDOW,
    });
    expect(healthy).toMatchObject({
      measured: true,
      verdict: 'unaffected',
      graded: 45,
      passed: 44,
      passRate: 0.978,
    });
    expect(healthy.hosts.map((host) => host.deployment)).toEqual(['b/up-m']);
    expect(healthy.note).toBe(
      'canary pass rate 98% on the hosts that answered (45 runs in the last 15m): model quality unaffected',
    );

    // Learning or suspect: the pass rate is quoted, the verdict is withheld (regression: a host at
    // 40 % while still learning was called unaffected).
    for (const phase of ['learning', 'suspect'] as const) {
      const unsettled = canaryEvidenceOf({
        readings: [
          { deployment: 'a/up-m', graded: 10, passed: 4, phase },
          { deployment: 'b/up-m', graded: 10, passed: 10, phase: 'healthy' },
        ],
        alarms: [],
        windowMs: WINDOW,
      });
      expect(unsettled.verdict, phase).toBe('unknown');
      expect(unsettled.note, phase).toContain('model quality not yet judged');
      expect(unsettled.note, phase).toContain(
        phase === 'learning' ? 'a/up-m still learning its baseline' : 'a/up-m under suspicion',
      );
    }
  });

  it('says degraded, naming the host, when a quality alarm is public', () => {
    const degraded = canaryEvidenceOf({
      readings: [
        { deployment: 'a/up-m', graded: 20, passed: 12, phase: 'alarm' },
        { deployment: 'b/up-m', graded: 20, passed: 16, phase: 'healthy' },
      ],
      alarms: [alarm],
      windowMs: WINDOW,
    });
    expect(degraded).toMatchObject({
      measured: true,
      verdict: 'degraded',
      alarms: ['a/up-m'],
      passRate: 0.7,
    });
    expect(degraded.note).toBe(
      'canaries: quality alarm on a/up-m; pass rate 70% over 40 graded runs in the last 15m',
    );
  });
});

const window = windowStats;

function health(
  id: string,
  stats: WindowStats,
  extra: { degraded?: boolean; baselineTtftMs?: number } = {},
): [string, DeploymentHealth] {
  return [
    id,
    deploymentHealth(id, stats, { degraded: extra.degraded ?? false }, extra.baselineTtftMs ?? null),
  ];
}

function evidenceOf(
  entries: Array<[string, DeploymentHealth]>,
  troubled: string[],
  extra: Partial<EvidenceInput> = {},
) {
  return measureEvidence({
    model: 'm',
    deploymentIds: entries.map(([id]) => id),
    troubled,
    health: new Map(entries),
    requests: undefined,
    published: 'partial_outage',
    usersSawErrors: false,
    ...extra,
  });
}

describe('measureEvidence: what kind of trouble, from the troubled hosts only', () => {
  it('calls it overloaded when overloads are at least half the failures, else an outage', () => {
    const kindOf = (overloaded: number, serverErrors: number) =>
      evidenceOf([health('a', window({ overloaded, server_error: serverErrors }))], ['a']).kind;
    expect(kindOf(4, 4)).toBe('overloaded');
    expect(kindOf(3, 5)).toBe('outage');
    expect(kindOf(0, 5)).toBe('outage');
    // Failures of a healthy sibling say nothing about the troubled host.
    const mixed = evidenceOf(
      [health('a', window({ server_error: 5 })), health('b', window({ overloaded: 50, success: 5 }))],
      ['a'],
    );
    expect(mixed).toMatchObject({ kind: 'outage', attribution: 'host_infrastructure' });
  });

  it('calls a slow host without failures latency, and a failing slow one not', () => {
    const slow = (byResult: WindowStats['byResult']) =>
      evidenceOf([health('a', window(byResult, 900), { degraded: true, baselineTtftMs: 300 })], ['a']);
    expect(slow({ success: 10 })).toMatchObject({ kind: 'latency', attribution: 'latency' });
    expect(slow({ success: 10, overloaded: 1 })).toMatchObject({
      kind: 'overloaded',
      attribution: 'capacity',
    });
    expect(evidenceOf([health('a', window({ success: 10 }))], ['a']).kind).toBe('outage');
  });

  it('reports what users saw, and who served them, busiest first', () => {
    const evidence = evidenceOf(
      [
        health('a', window({ server_error: 5 })),
        health('b', window({ success: 3 })),
        health('c', window({ success: 7 })),
      ],
      ['a'],
      { requests: window({ success: 9, timeout: 1, client_error: 2 }) },
    );
    expect(evidence.users).toEqual({ requests: 12, errors: 1, errorRate: 0.083, sawErrors: true });
    expect(evidence.servedBy).toEqual([
      { deployment: 'c', successes: 7 },
      { deployment: 'b', successes: 3 },
    ]);
    const quiet = evidenceOf([health('a', window({ server_error: 5 }))], ['a'], {
      requests: window({ success: 4 }),
      usersSawErrors: true,
    });
    expect(quiet.users).toMatchObject({ errors: 0, errorRate: 0, sawErrors: true });
  });
});

describe('describeIncident: the texts of the status page', () => {
  it('names the failing host, the failure classes and the healthy hosts that answered', () => {
    const evidence = evidenceOf(
      [
        health('a', window({ overloaded: 6, server_error: 2, success: 2 })),
        health('b', window({ success: 8 })),
      ],
      ['a'],
      { requests: window({ success: 10 }) },
    );
    const texts = describeIncident('m', evidence);
    expect(texts.title).toBe('m: provider overloaded on a');
    expect(texts.investigating).toBe(
      '8 of 10 attempts to a failed in the last 5 minutes (80%: 6 overloaded, 2 server_error). Users saw no errors: all 10 requests in the last 5 minutes were answered, by b (8).',
    );
    expect(texts.resolved(119_000)).toBe(
      'No further trouble for 119 seconds. Users saw no errors: all 10 requests in the last 5 minutes were answered, by b (8).',
    );
    expect(texts.resolved(120_000)).toMatch(/^No further trouble for 2 minutes\./);
  });

  it('says provider errors for an outage and slow responses for latency, with the times', () => {
    const outage = evidenceOf([health('a', window({ timeout: 5 }))], ['a'], {
      requests: window({ timeout: 2 }),
    });
    expect(describeIncident('m', outage).title).toBe('m: provider errors on a');
    expect(describeIncident('m', outage).investigating).toBe(
      '5 of 5 attempts to a failed in the last 5 minutes (100%: 5 timeout). Users saw errors: 2 of 2 requests failed in the last 5 minutes.',
    );
    const slow = evidenceOf(
      [health('a', window({ success: 10 }, 912.4), { degraded: true, baselineTtftMs: 300 })],
      ['a'],
    );
    expect(describeIncident('m', slow).title).toBe('m: slow responses on a');
    expect(describeIncident('m', slow).investigating).toMatch(
      /^a is slow: p95 time to first token 912 ms against its usual 300 ms, with no errors\./,
    );
  });
});
