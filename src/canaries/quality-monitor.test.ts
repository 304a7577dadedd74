import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sim/index.js';
import { type QualityEvent, QualityMonitor } from './quality-monitor.js';
import { expectedSampleNumber } from './sprt.js';
import type { CanaryResult } from './types.js';

const suites = ['arithmetic', 'json', 'format'];
const hosts = ['anthropic', 'bedrock', 'vertex'];
const minute = 60_000;

interface Run {
  monitor: QualityMonitor;
  events: Array<{ round: number; event: QualityEvent }>;
}

/**
 * Rounds of canaries on the three hosts of one model: each round every host answers one case
 * (suites in turn), passing with the probability `rate(host, round)`; time is the round, never the
 * wall clock, and every draw comes from one seeded generator.
 */
function runRounds(
  seed: number,
  rounds: number,
  rate: (host: number, round: number) => number,
  version: (host: number, round: number) => string = () => 'claude-opus-4-7-20260101',
  monitor = new QualityMonitor(),
  firstRound = 0,
): Run {
  const random = seededRandom(seed);
  const events: Run['events'] = [];
  for (let round = firstRound; round < firstRound + rounds; round += 1) {
    for (let host = 0; host < hosts.length; host += 1) {
      const provider = hosts[host] ?? 'unknown';
      const result: CanaryResult = {
        deployment: `${provider}/claude-opus-4-7`,
        model: 'claude-opus-4.7',
        provider,
        suite: suites[round % suites.length] ?? 'arithmetic',
        caseId: `case-${round % 7}`,
        at: round * minute + host,
        pass: random() < rate(host, round),
        detail: '',
        latencyMs: 400,
        costUsd: 0.0001,
        responseModel: version(host, round),
      };
      for (const event of monitor.record(result)) events.push({ round, event });
    }
  }
  return { monitor, events };
}

const warm = 1000;
const opened = (run: Run) => run.events.filter(({ event }) => event.type === 'opened');

describe('QualityMonitor', () => {
  it('raises a host alarm on the one deployment that drops from 0.8 to 0.6, within 4× the ASN', () => {
    for (const seed of [1, 2, 3]) {
      const run = runRounds(seed, warm + 600, (host, round) => (host === 0 && round >= warm ? 0.6 : 0.8));
      const alarms = opened(run);
      expect(alarms).toHaveLength(1);
      const first = alarms[0];
      if (first?.event.type !== 'opened') throw new Error('no alarm');
      const alarm = first.event.alarm;
      expect(alarm.deployment).toBe('anthropic/claude-opus-4-7');
      expect(alarm.attribution).toBe('host');
      expect(alarm.alarmedHosts).toEqual(['anthropic/claude-opus-4-7']);
      expect(alarm.hosts).toHaveLength(3);
      // One sample per round on the dropped host: rounds since the drop are its samples.
      const asn = expectedSampleNumber(
        { p0: alarm.sprt.p0, p1: alarm.sprt.p1, alpha: 0.01, beta: 0.05 },
        0.6,
      );
      expect(asn).toBeGreaterThan(70);
      expect(first.round - warm).toBeLessThanOrEqual(4 * asn);
      expect(first.round).toBeGreaterThanOrEqual(warm);
      // Evidence an incident can carry.
      expect(alarm.sprt.llr).toBeGreaterThanOrEqual(alarm.sprt.upper);
      expect(alarm.sprt.upper).toBeCloseTo(Math.log(95), 10);
      expect(alarm.confirmation.against).toBe('siblings');
      // The healthy siblings (a sibling with a chance SPRT alarm of its own is left out of the pool).
      expect(alarm.confirmation.siblings.length).toBeGreaterThanOrEqual(1);
      expect(alarm.confirmation.siblings).not.toContain('anthropic/claude-opus-4-7');
      expect(alarm.confirmation.pValue).toBeLessThan(0.001);
      expect(alarm.confirmation.tested.from).toBeGreaterThan(alarm.suspectedAt);
      expect(
        alarm.confirmation.reference.passRate - alarm.confirmation.tested.passRate,
      ).toBeGreaterThanOrEqual(0.05);
      expect(alarm.baseline.passRate).toBeGreaterThan(0.75);
      expect(alarm.window.passRate).toBeLessThan(0.7);
      expect(alarm.suites.map((entry) => entry.suite)).toEqual(['arithmetic', 'format', 'json']);
      for (const entry of alarm.suites) {
        expect(entry.before.graded).toBeGreaterThan(0);
        expect(entry.after.graded).toBeGreaterThan(0);
      }
      expect(alarm.responseModels.changed).toBe(false);
      expect(JSON.parse(JSON.stringify(alarm))).toEqual(alarm);
      expect(run.monitor.status('bedrock/claude-opus-4-7')?.alarm).toBeUndefined();
      expect(run.monitor.status('vertex/claude-opus-4-7')?.alarm).toBeUndefined();
      expect(run.monitor.status('anthropic/claude-opus-4-7')?.phase).toBe('alarm');
    }
  });

  it('attributes a drop on every host of the model to the model', () => {
    for (const seed of [1, 2]) {
      const run = runRounds(seed, warm + 1000, (_host, round) => (round >= warm ? 0.6 : 0.8));
      const alarms = run.monitor.alarms();
      expect(alarms).toHaveLength(3);
      for (const alarm of alarms) {
        expect(alarm.attribution).toBe('model');
        expect(alarm.alarmedHosts).toHaveLength(3);
      }
      // Earlier alarms are re-published when the last host joins them.
      expect(
        run.events.some(({ event }) => event.type === 'updated' && event.alarm.attribution === 'model'),
      ).toBe(true);
    }
  });

  it('attributes a drop with a changed version string to a vendor update', () => {
    const run = runRounds(
      4,
      warm + 1000,
      (_host, round) => (round >= warm ? 0.6 : 0.8),
      (_host, round) => (round >= warm ? 'claude-opus-4-7-20260301' : 'claude-opus-4-7-20260101'),
    );
    const alarms = run.monitor.alarms();
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.attribution).toBe('vendor_update');
      expect(alarm.responseModels.before).toEqual(['claude-opus-4-7-20260101']);
      expect(alarm.responseModels.after).toContain('claude-opus-4-7-20260301');
      expect(alarm.responseModels.changed).toBe(true);
    }
  });

  it('raises no public alarm in 10,000 healthy rounds at a steady 2 % failure rate (A/A)', () => {
    let sprtAlarms = 0;
    let dismissed = 0;
    // Seeds 4 and 7 are ones where the SPRT alone alarms (2 and 4 times), so confirmation is exercised.
    for (const seed of [4, 7]) {
      const run = runRounds(seed, 10_000, () => 0.98);
      expect(opened(run)).toEqual([]);
      expect(run.monitor.alarms()).toEqual([]);
      const counters = run.monitor.counters();
      expect(counters.confirmed).toBe(0);
      sprtAlarms += counters.sprtAlarms;
      dismissed += counters.dismissed;
    }
    // The SPRT alone does alarm by chance (α per cycle): confirmation is what keeps these private.
    expect(sprtAlarms).toBeGreaterThan(0);
    expect(dismissed).toBeGreaterThan(0);
  });

  it('clears the alarm once the host recovers and the SPRT accepts the baseline again', () => {
    const monitor = new QualityMonitor();
    // Rates near 1 (the A/A rate), where 1,000 rounds pin the baseline down well.
    const dropped = runRounds(
      5,
      warm + 500,
      (host, round) => (host === 0 && round >= warm ? 0.85 : 0.98),
      undefined,
      monitor,
    );
    expect(opened(dropped)).toHaveLength(1);
    const frozen = monitor.status('anthropic/claude-opus-4-7')?.baseline;
    const recovered = runRounds(6, 3000, () => 0.98, undefined, monitor, warm + 500);
    const cleared = recovered.events.filter(({ event }) => event.type === 'cleared');
    expect(cleared).toHaveLength(1);
    expect(cleared[0]?.event.alarm.deployment).toBe('anthropic/claude-opus-4-7');
    const status = monitor.status('anthropic/claude-opus-4-7');
    expect(status?.phase).toBe('healthy');
    expect(status?.alarm).toBeUndefined();
    expect(monitor.counters().cleared).toBe(1);
    // The baseline stayed frozen during the alarm: the 0.6 samples never entered it.
    expect(frozen?.passRate).toBeGreaterThan(0.95);
    expect(status?.baseline?.passRate).toBeGreaterThan(0.95);
  });

  it('confirms against its own baseline when the model has one deployment, and calls it the model', () => {
    const monitor = new QualityMonitor();
    const random = seededRandom(9);
    const events: QualityEvent[] = [];
    for (let round = 0; round < 1600; round += 1) {
      events.push(
        ...monitor.record({
          deployment: 'openai/gpt-5',
          model: 'gpt-5',
          provider: 'openai',
          suite: 'arithmetic',
          caseId: 'arith-1',
          at: round * minute,
          pass: random() < (round >= 1000 ? 0.6 : 0.8),
          detail: '',
          latencyMs: 1,
          costUsd: 0,
        }),
      );
    }
    const alarms = events.filter((event) => event.type === 'opened');
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.alarm.confirmation.against).toBe('baseline');
    expect(alarms[0]?.alarm.confirmation.siblings).toEqual([]);
    expect(alarms[0]?.alarm.attribution).toBe('model');
  });

  it('learns a conservative (Wilson lower bound) baseline from the first graded results and ignores unanswered runs', () => {
    const monitor = new QualityMonitor({ baselineSamples: 10 });
    const base = {
      deployment: 'bedrock/x',
      model: 'x',
      provider: 'bedrock',
      suite: 'json',
      caseId: 'json-1',
      detail: '',
      latencyMs: 1,
      costUsd: 0,
    };
    expect(monitor.status('bedrock/x')).toBeUndefined();
    for (let index = 0; index < 20; index += 1) {
      monitor.record({ ...base, at: index, pass: null, failureClass: 'overloaded' });
    }
    expect(monitor.status('bedrock/x')).toBeUndefined();
    for (let index = 0; index < 9; index += 1) monitor.record({ ...base, at: 100 + index, pass: true });
    expect(monitor.status('bedrock/x')?.phase).toBe('learning');
    expect(monitor.status('bedrock/x')?.baseline).toBeUndefined();
    monitor.record({ ...base, at: 200, pass: true });
    const status = monitor.status('bedrock/x');
    expect(status?.phase).toBe('healthy');
    expect(status?.samples).toBe(10);
    // 10 of 10 passed: Wilson's lower bound at z = 1 is 10/11, not 1.
    expect(status?.baseline?.p0).toBeCloseTo(10 / 11, 12);
    expect(status?.current).toEqual({ graded: 10, passed: 10, passRate: 1 });
    expect(status?.sprt?.upper).toBeCloseTo(Math.log(95), 10);
  });

  it('clamps the baseline to 0.995 so p1 stays below it', () => {
    const monitor = new QualityMonitor();
    for (let index = 0; index < 400; index += 1) {
      monitor.record({
        deployment: 'a/b',
        model: 'b',
        provider: 'a',
        suite: 's',
        caseId: 'c',
        at: index,
        pass: true,
        detail: '',
        latencyMs: 1,
        costUsd: 0,
      });
    }
    expect(monitor.status('a/b')?.baseline?.p0).toBe(0.995);
  });
});
