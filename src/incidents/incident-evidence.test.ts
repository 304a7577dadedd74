import { describe, expect, it } from 'vitest';
import { canaryEvidenceOf } from './incident-evidence.js';
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
