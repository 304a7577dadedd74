import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sim/index.js';
import { fisherExact } from './fisher-exact.js';
import { type QualityAlarm, type QualityEvent, QualityMonitor, wilsonLowerBound } from './quality-monitor.js';
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

// Small hand-checked sequences: a baseline of 10 passes, a drop of 0.4 so three fails alarm, and
// a Fisher threshold that three fresh samples can reach. Every expected number is worked out from
// the formulas in the comments, not read back from the monitor.
const small = { baselineSamples: 10, drop: 0.4, minWindow: 3, confirmPValue: 0.05, recoverySamples: 13 };
/** 10 of 10: Wilson at z = 1 is (1 + 1/20 − √(1/400)) / (1 + 1/10) = 1/1.1. */
const p0 = 1 / 1.1;
const p1 = p0 - 0.4;
const passStep = Math.log(p1 / p0);
const failStep = Math.log((1 - p1) / (1 - p0));
const upper = Math.log(0.95 / 0.01);
const lower = Math.log(0.05 / 0.99);

function graded(
  deployment: string,
  at: number,
  pass: boolean | null,
  extra: Partial<CanaryResult> = {},
): CanaryResult {
  const [provider = '', model = ''] = deployment.split('/');
  return {
    deployment,
    model,
    provider,
    suite: at % 2 === 0 ? 'even' : 'odd',
    caseId: 'c',
    at,
    pass,
    detail: '',
    latencyMs: 1,
    costUsd: 0,
    ...extra,
  };
}

/** Feeds `pattern` ('1' pass, '0' fail) at times first, first + 1, …; returns each record's events. */
function feed(
  monitor: QualityMonitor,
  deployment: string,
  pattern: string,
  first: number,
  extra: Partial<CanaryResult> = {},
): QualityEvent[][] {
  return [...pattern].map((mark, index) =>
    monitor.record(graded(deployment, first + index, mark === '1', extra)),
  );
}

describe('QualityMonitor on a hand-checked sequence', () => {
  it('learns, suspects after three fails, and opens the alarm once three fresh samples confirm it', () => {
    const monitor = new QualityMonitor({ ...small, statusWindow: 4 });
    expect(feed(monitor, 'h/m', '111111111', 1, { responseModel: 'v1' }).flat()).toEqual([]);
    expect(monitor.status('h/m')).toStrictEqual({
      deployment: 'h/m',
      model: 'm',
      provider: 'h',
      phase: 'learning',
      baseline: undefined,
      current: { graded: 4, passed: 4, passRate: 1 },
      samples: 9,
      sprt: undefined,
      alarm: undefined,
    });
    feed(monitor, 'h/m', '1', 10, { responseModel: 'v1' });
    expect(monitor.status('h/m')).toStrictEqual({
      deployment: 'h/m',
      model: 'm',
      provider: 'h',
      phase: 'healthy',
      baseline: { graded: 10, passed: 10, passRate: 1, p0: expect.closeTo(p0, 12) },
      current: { graded: 4, passed: 4, passRate: 1 },
      samples: 10,
      sprt: { llr: 0, upper: expect.closeTo(upper, 12), lower: expect.closeTo(lower, 12), cycleSamples: 0 },
      alarm: undefined,
    });
    // Two fails: 2 × ln((1 − p1)/(1 − p0)) = 3.37 < A = ln 95 = 4.55.
    expect(feed(monitor, 'h/m', '00', 11, { responseModel: 'v1' }).flat()).toEqual([]);
    expect(monitor.status('h/m')?.sprt).toStrictEqual({
      llr: expect.closeTo(2 * failStep, 12),
      upper: expect.closeTo(upper, 12),
      lower: expect.closeTo(lower, 12),
      cycleSamples: 2,
    });
    expect(monitor.status('h/m')?.current).toStrictEqual({ graded: 4, passed: 2, passRate: 0.5 });
    // The third reaches A: a private suspicion, the SPRT restarted.
    expect(feed(monitor, 'h/m', '0', 13, { responseModel: 'v1' }).flat()).toEqual([]);
    expect(monitor.status('h/m')).toMatchObject({ phase: 'suspect', sprt: { llr: 0, cycleSamples: 0 } });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 1, confirmed: 0, dismissed: 0, cleared: 0 });
    // Two fresh samples are fewer than minWindow (3): nothing is tested yet.
    expect(feed(monitor, 'h/m', '10', 14, { responseModel: 'v1' }).flat()).toEqual([]);
    expect(monitor.status('h/m')?.phase).toBe('suspect');
    expect(monitor.alarms()).toEqual([]);
    // The third fresh sample: 1 of 3 against the baseline's 10 of 10. One-sided Fisher: a = 1 is the
    // smallest table with these margins, P = C(3,1)·C(10,10)/C(13,11) = 3/78 < 0.05.
    const [events] = feed(monitor, 'h/m', '0', 16);
    const alarm: QualityAlarm = {
      deployment: 'h/m',
      model: 'm',
      provider: 'h',
      // One host: it is every host of the model.
      attribution: 'model',
      suspectedAt: 13,
      openedAt: 16,
      alarmedHosts: ['h/m'],
      hosts: ['h/m'],
      baseline: { graded: 10, passed: 10, passRate: 1, p0: expect.closeTo(p0, 12), from: 1, to: 10 },
      window: { graded: 6, passed: 1, passRate: 1 / 6, from: 11, to: 16 },
      suites: [
        {
          suite: 'even',
          before: { graded: 5, passed: 5, passRate: 1 },
          after: { graded: 3, passed: 1, passRate: 1 / 3 },
        },
        {
          suite: 'odd',
          before: { graded: 5, passed: 5, passRate: 1 },
          after: { graded: 3, passed: 0, passRate: 0 },
        },
      ],
      sprt: {
        llr: expect.closeTo(3 * failStep, 12),
        upper: expect.closeTo(upper, 12),
        lower: expect.closeTo(lower, 12),
        p0: expect.closeTo(p0, 12),
        p1: expect.closeTo(p1, 12),
        cycleSamples: 3,
      },
      confirmation: {
        against: 'baseline',
        siblings: [],
        tested: { graded: 3, passed: 1, passRate: 1 / 3, from: 14, to: 16 },
        reference: { graded: 10, passed: 10, passRate: 1 },
        pValue: expect.closeTo(3 / 78, 12),
        threshold: 0.05,
        minDrop: 0.05,
      },
      // The last sample reported no version: it adds none.
      responseModels: { before: ['v1'], after: ['v1'], changed: false },
    };
    expect(events).toStrictEqual([{ type: 'opened', alarm }]);
    expect(monitor.alarms()).toStrictEqual([alarm]);
    expect(monitor.status('h/m')).toMatchObject({
      phase: 'alarm',
      alarm,
      samples: 16,
      sprt: { llr: expect.closeTo(passStep + 2 * failStep, 12), cycleSamples: 3 },
      baseline: { graded: 10, passed: 10 },
    });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 1, confirmed: 1, dismissed: 0, cleared: 0 });
  });

  it('clears the alarm when the SPRT accepts with exactly recoverySamples since its last alarm, the baseline frozen', () => {
    const monitor = new QualityMonitor(small);
    feed(monitor, 'h/m', '1111111111' + '000' + '100', 1);
    expect(monitor.status('h/m')?.phase).toBe('alarm');
    // From passStep + 2·failStep = 2.79, ten passes reach 2.79 + 10·ln(p1/p0) = −3.00 ≤ B = −2.99;
    // nine (−2.43) do not. The last alarm was at 13: 3 + 10 = 13 samples since.
    expect(feed(monitor, 'h/m', '111111111', 17).flat()).toEqual([]);
    expect(monitor.status('h/m')?.phase).toBe('alarm');
    const [events] = feed(monitor, 'h/m', '1', 26);
    expect(events?.map((event) => event.type)).toEqual(['cleared']);
    expect(events?.[0]).toMatchObject({
      type: 'cleared',
      at: 26,
      alarm: { deployment: 'h/m', openedAt: 16 },
    });
    expect(monitor.alarms()).toEqual([]);
    expect(monitor.status('h/m')).toMatchObject({
      phase: 'healthy',
      alarm: undefined,
      // The accepted cycle ran during the alarm: it does not refresh the baseline.
      baseline: { graded: 10, passed: 10, passRate: 1, p0: expect.closeTo(p0, 12) },
      sprt: { llr: 0, cycleSamples: 0 },
    });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 1, confirmed: 1, dismissed: 0, cleared: 1 });
    // Healthy again: three more fails suspect it again (the count since the alarm restarted).
    feed(monitor, 'h/m', '000', 27);
    expect(monitor.status('h/m')?.phase).toBe('suspect');
    expect(monitor.counters().sprtAlarms).toBe(2);
  });

  it('keeps the alarm when the SPRT accepts with fewer than recoverySamples since its last alarm', () => {
    const monitor = new QualityMonitor({ ...small, recoverySamples: 14 });
    // Accepted at 26 with 13 samples since the alarm at 13: too few.
    const events = feed(monitor, 'h/m', '1111111111' + '000' + '100' + '1111111111', 1).flat();
    expect(events.map((event) => event.type)).toEqual(['opened']);
    expect(monitor.status('h/m')?.phase).toBe('alarm');
    // The count goes on across that acceptance: the next one, six passes later at 32, has 19.
    expect(feed(monitor, 'h/m', '11111', 27).flat()).toEqual([]);
    const [cleared] = feed(monitor, 'h/m', '1', 32);
    expect(cleared).toMatchObject([{ type: 'cleared', at: 32 }]);
  });

  it('dismisses a suspicion the SPRT then accepts, teaching the baseline the alarmed cycle too', () => {
    const monitor = new QualityMonitor({ ...small, baselineMaxSamples: 15 });
    feed(monitor, 'h/m', '1111111111' + '000', 1);
    expect(monitor.status('h/m')?.phase).toBe('suspect');
    // Fresh passes never confirm (no drop); six passes, 6·ln(p1/p0) = −3.48 ≤ B, accept.
    expect(feed(monitor, 'h/m', '11111', 14).flat()).toEqual([]);
    expect(monitor.status('h/m')?.phase).toBe('suspect');
    expect(feed(monitor, 'h/m', '1', 19).flat()).toEqual([]);
    // The baseline gains the three held fails and the six passes, kept to its last 15 of 19 samples:
    // 6 passes, 3 fails, 6 passes. Wilson at z = 1 for 12 of 15: (0.8 + 1/30 − √(0.16/15 + 1/900)) / (1 + 1/15).
    const rebased = (0.8 + 1 / 30 - Math.sqrt(0.16 / 15 + 1 / 900)) / (1 + 1 / 15);
    expect(rebased).toBeCloseTo(0.6795, 4);
    expect(monitor.status('h/m')).toMatchObject({
      phase: 'healthy',
      baseline: { graded: 15, passed: 12, passRate: 0.8, p0: expect.closeTo(rebased, 12) },
      sprt: { llr: 0, cycleSamples: 0 },
    });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 1, confirmed: 0, dismissed: 1, cleared: 0 });
    // The SPRT now tests against the new baseline.
    feed(monitor, 'h/m', '0', 20);
    expect(monitor.status('h/m')?.sprt?.llr).toBeCloseTo(Math.log((1 - (rebased - 0.4)) / (1 - rebased)), 12);
  });

  it('refreshes the baseline with every cycle a healthy SPRT accepts', () => {
    const monitor = new QualityMonitor(small);
    feed(monitor, 'h/m', '1111111111' + '11111', 1);
    expect(monitor.status('h/m')?.baseline).toStrictEqual({
      graded: 10,
      passed: 10,
      passRate: 1,
      p0: expect.closeTo(p0, 12),
    });
    feed(monitor, 'h/m', '1', 16);
    // 16 of 16: Wilson at z = 1 is 16/17.
    expect(monitor.status('h/m')?.baseline).toStrictEqual({
      graded: 16,
      passed: 16,
      passRate: 1,
      p0: expect.closeTo(16 / 17, 12),
    });
    expect(monitor.status('h/m')?.phase).toBe('healthy');
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 0, confirmed: 0, dismissed: 0, cleared: 0 });
  });

  it('keeps at most maxWindow recent samples, and reports the last statusWindow of them', () => {
    const monitor = new QualityMonitor({ ...small, maxWindow: 3, statusWindow: 10 });
    feed(monitor, 'h/m', '0111', 1);
    expect(monitor.status('h/m')?.current).toStrictEqual({ graded: 3, passed: 3, passRate: 1 });
    const narrow = new QualityMonitor({ ...small, statusWindow: 2 });
    feed(narrow, 'h/m', '1110', 1);
    expect(narrow.status('h/m')?.current).toStrictEqual({ graded: 2, passed: 1, passRate: 0.5 });
  });

  it('clamps the baseline to at least minBaselineRate', () => {
    const monitor = new QualityMonitor({ ...small, drop: 0.05, minBaselineRate: 0.3 });
    feed(monitor, 'h/m', '0000000000', 1);
    expect(monitor.status('h/m')?.baseline).toStrictEqual({ graded: 10, passed: 0, passRate: 0, p0: 0.3 });
    const clamped = new QualityMonitor({ ...small, maxBaselineRate: 0.85 });
    feed(clamped, 'h/m', '1111111111', 1);
    expect(clamped.status('h/m')?.baseline?.p0).toBe(0.85);
  });

  it('calls a drop a vendor update when the host reports a version its baseline never had', () => {
    const monitor = new QualityMonitor(small);
    feed(monitor, 'h/m', '1111111111', 1, { responseModel: 'v1' });
    const events = feed(monitor, 'h/m', '000100', 11, { responseModel: 'v2' }).flat();
    expect(events).toHaveLength(1);
    expect(events[0]?.alarm.attribution).toBe('vendor_update');
    expect(events[0]?.alarm.responseModels).toStrictEqual({ before: ['v1'], after: ['v2'], changed: true });
    // A baseline without any version string cannot tell a change.
    const unknown = new QualityMonitor(small);
    feed(unknown, 'h/m', '1111111111', 1);
    const quiet = feed(unknown, 'h/m', '000100', 11, { responseModel: 'v2' }).flat();
    expect(quiet[0]?.alarm.attribution).toBe('model');
    expect(quiet[0]?.alarm.responseModels).toStrictEqual({ before: [], after: ['v2'], changed: false });
  });

  it('lists a suite the baseline never saw with empty counts before', () => {
    const monitor = new QualityMonitor(small);
    feed(monitor, 'h/m', '1111111111', 1);
    const events = feed(monitor, 'h/m', '000100', 11, { suite: 'new' }).flat();
    expect(events[0]?.alarm.suites).toStrictEqual([
      {
        suite: 'even',
        before: { graded: 5, passed: 5, passRate: 1 },
        after: { graded: 0, passed: 0, passRate: 0 },
      },
      {
        suite: 'new',
        before: { graded: 0, passed: 0, passRate: 0 },
        after: { graded: 6, passed: 1, passRate: 1 / 6 },
      },
      {
        suite: 'odd',
        before: { graded: 5, passed: 5, passRate: 1 },
        after: { graded: 0, passed: 0, passRate: 0 },
      },
    ]);
  });

  it('does not confirm a drop smaller than confirmMinDrop, however small its p-value', () => {
    const monitor = new QualityMonitor({ ...small, confirmMinDrop: 0.7 });
    // Tested 1 of 3 against 10 of 10: a drop of 0.667 < 0.7.
    const events = feed(monitor, 'h/m', '1111111111' + '000100', 1).flat();
    expect(events).toEqual([]);
    expect(monitor.status('h/m')?.phase).toBe('suspect');
    // A drop of exactly confirmMinDrop (the same floating-point difference) is enough.
    const exact = new QualityMonitor({ ...small, confirmMinDrop: 1 - 1 / 3 });
    expect(
      feed(exact, 'h/m', '1111111111' + '000100', 1)
        .flat()
        .map((event) => event.type),
    ).toEqual(['opened']);
  });

  it('does not confirm a p-value equal to the threshold', () => {
    // The p-value the monitor computes for 1 of 3 against 10 of 10 (3/78 up to rounding).
    const pValue = fisherExact(1, 2, 10, 0).less;
    expect(pValue).toBeCloseTo(3 / 78, 12);
    const monitor = new QualityMonitor({ ...small, confirmPValue: pValue });
    const events = feed(monitor, 'h/m', '1111111111' + '000100', 1).flat();
    expect(events).toEqual([]);
  });
});

describe('QualityMonitor over several SPRT cycles of one suspicion', () => {
  it('confirms with the evidence of the last alarmed cycle', () => {
    const monitor = new QualityMonitor({ ...small, minWindow: 5 });
    // Alarmed at 13 (three fails); then 1, 0, 0, 0 stays under A (ln(p1/p0) + 3·ln((1−p1)/(1−p0)) = 4.48),
    // the fail at 18 alarms again: a cycle of 5. Five fresh samples (14–18), 1 of 5 against 10 of 10:
    // P = C(5,1)·C(10,10)/C(15,11) = 5/1365.
    const events = feed(monitor, 'h/m', '1111111111' + '000' + '10000', 1).flat();
    expect(events).toHaveLength(1);
    expect(events[0]?.alarm).toMatchObject({
      suspectedAt: 13,
      openedAt: 18,
      window: { graded: 8, passed: 1, from: 11, to: 18 },
      sprt: { llr: expect.closeTo(passStep + 4 * failStep, 12), cycleSamples: 5 },
      confirmation: {
        tested: { graded: 5, passed: 1, from: 14, to: 18 },
        pValue: expect.closeTo(5 / 1365, 12),
      },
    });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 1, confirmed: 1, dismissed: 0, cleared: 0 });
  });

  it('teaches the baseline every alarmed cycle of a suspicion it dismisses', () => {
    // confirmMinDrop 2: never confirmed.
    const monitor = new QualityMonitor({ ...small, confirmMinDrop: 2 });
    feed(monitor, 'h/m', '1111111111' + '000' + '000' + '11111', 1);
    expect(monitor.status('h/m')?.phase).toBe('suspect');
    feed(monitor, 'h/m', '1', 22);
    // 10 passes, both alarmed cycles (6 fails) and the accepted one (6 passes).
    expect(monitor.status('h/m')).toMatchObject({ phase: 'healthy', baseline: { graded: 22, passed: 16 } });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 1, confirmed: 0, dismissed: 1, cleared: 0 });
  });
});

describe('QualityMonitor with siblings', () => {
  const options = { ...small, confirmPValue: 0.15 };
  /** Rounds of two hosts of model m: host a at 10·round, host b at 10·round + 1. */
  function rounds(monitor: QualityMonitor, a: string, b: string, firstRound = 1) {
    const log: Array<{ round: number; events: QualityEvent[] }> = [];
    for (let index = 0; index < Math.max(a.length, b.length); index += 1) {
      const round = firstRound + index;
      for (const [deployment, pattern, offset] of [
        ['b/m', b, 1],
        ['a/m', a, 0],
      ] as const) {
        const mark = pattern[index];
        if (mark === undefined || mark === '.') continue;
        const events = monitor.record(graded(deployment, 10 * round + offset, mark === '1'));
        if (events.length > 0) log.push({ round, events });
      }
    }
    return log;
  }

  it("tests against the healthy sibling's samples since the window began, and attributes a lone drop to the host", () => {
    const monitor = new QualityMonitor(options);
    // b is fed before a in each round, but its round-16 sample (161) is later than a's (160).
    const log = rounds(monitor, '1111111111' + '000100', '1111111111' + '111111');
    expect(log).toHaveLength(1);
    const alarm = log[0]?.events[0]?.alarm;
    expect(log[0]?.round).toBe(16);
    expect(log[0]?.events.map((event) => event.type)).toEqual(['opened']);
    expect(alarm).toMatchObject({
      deployment: 'a/m',
      attribution: 'host',
      alarmedHosts: ['a/m'],
      hosts: ['a/m', 'b/m'],
      window: { graded: 6, passed: 1, from: 110, to: 160 },
      confirmation: {
        against: 'siblings',
        siblings: ['b/m'],
        tested: { graded: 3, passed: 1, from: 140, to: 160 },
        // b's samples at 111 … 151, not 161: 5 of 5. P = C(3,1)·C(5,5)/C(8,6) = 3/28.
        reference: { graded: 5, passed: 5, passRate: 1 },
        pValue: expect.closeTo(3 / 28, 12),
      },
    });
  });

  it('reaches back for minWindow sibling samples when the window holds fewer', () => {
    const monitor = new QualityMonitor({ ...options, confirmPValue: 0.25 });
    // b answers only before the window and once in it.
    const log = rounds(monitor, '1111111111' + '000100', '1111111111' + '1.....');
    const alarm = log[0]?.events[0]?.alarm;
    expect(log[0]?.round).toBe(16);
    // b's last three samples (91, 101, 111), not just the one in the window.
    expect(alarm?.confirmation.reference).toStrictEqual({ graded: 3, passed: 3, passRate: 1 });
    // P = C(3,1)·C(3,3)/C(6,4) = 3/15 < 0.25 (the one sample in the window alone gives 3/6).
    expect(alarm?.confirmation.pValue).toBeCloseTo(3 / 15, 12);
  });

  it('counts a sibling still learning as healthy, and leaves a suspect sibling out', () => {
    const monitor = new QualityMonitor(options);
    const log = rounds(monitor, '1111111111' + '000100', '..........' + '111111');
    expect(log[0]?.events[0]?.alarm.confirmation).toMatchObject({
      against: 'siblings',
      siblings: ['b/m'],
      reference: { graded: 5, passed: 5 },
    });
    const suspectSibling = new QualityMonitor(options);
    const suspectLog = rounds(suspectSibling, '1111111111' + '000100', '1111111111' + '000...');
    expect(suspectSibling.status('b/m')?.phase).toBe('suspect');
    expect(suspectLog[0]?.events[0]?.alarm.confirmation).toMatchObject({
      against: 'baseline',
      siblings: [],
      reference: { graded: 10, passed: 10 },
    });
  });

  it('re-attributes both alarms to the model when the second host drops, and back to the host when one clears', () => {
    const monitor = new QualityMonitor(options);
    const log = rounds(
      monitor,
      ['1111111111', '000100', '1'.repeat(20)].join(''),
      ['1111111111', '111111', '000100', '1'.repeat(14)].join(''),
    );
    expect(
      log.map(({ round, events }) => [
        round,
        events.map(
          (event) =>
            `${event.type} ${event.alarm.deployment} ${event.alarm.attribution} ${event.alarm.alarmedHosts.join(',')}`,
        ),
      ]),
    ).toEqual([
      [16, ['opened a/m host a/m']],
      [22, ['updated a/m model a/m,b/m', 'opened b/m model a/m,b/m']],
      [26, ['cleared a/m model a/m,b/m', 'updated b/m host b/m']],
      [34, ['cleared b/m host b/m']],
    ]);
    // b's sibling was in alarm, so b was tested against its own baseline (16 of 16 after one refresh):
    // P = C(3,1)·C(16,16)/C(19,17) = 3/171.
    const second = log[1]?.events[1]?.alarm;
    expect(second?.confirmation).toMatchObject({
      against: 'baseline',
      siblings: [],
      reference: { graded: 16, passed: 16, passRate: 1 },
      pValue: expect.closeTo(3 / 171, 12),
    });
    expect(monitor.counters()).toStrictEqual({ sprtAlarms: 2, confirmed: 2, dismissed: 0, cleared: 2 });
  });

  it('pools several healthy siblings in time order, and re-publishes an alarm whose host list grows', () => {
    const monitor = new QualityMonitor(options);
    const hostsOf = { c: 0, b: 1, a: 2 } as const;
    const patterns = {
      c: '1'.repeat(22),
      b: '1111111111' + '111111' + '000100',
      a: '1111111111' + '000100' + '111111',
    };
    const log: Array<{ round: number; events: QualityEvent[] }> = [];
    for (let round = 1; round <= 22; round += 1) {
      for (const host of ['c', 'b', 'a'] as const) {
        const pass = patterns[host][round - 1] === '1';
        const events = monitor.record(graded(`${host}/m`, 10 * round + hostsOf[host], pass));
        if (events.length > 0) log.push({ round, events });
      }
    }
    expect(
      log.map(({ round, events }) => [
        round,
        events.map(
          (event) =>
            `${event.type} ${event.alarm.deployment} ${event.alarm.attribution} ${event.alarm.alarmedHosts.join(',')}`,
        ),
      ]),
    ).toEqual([
      [16, ['opened a/m host a/m']],
      // Two of three hosts: still the hosts, but a's alarm now names both.
      [22, ['updated a/m host a/m,b/m', 'opened b/m host a/m,b/m']],
    ]);
    // a's window began at 112: b's and c's samples from 120 (c, round 12) to 161, 10 of 10.
    // P = C(3,1)·C(10,10)/C(13,11) = 3/78.
    expect(log[0]?.events[0]?.alarm.confirmation).toMatchObject({
      against: 'siblings',
      siblings: ['b/m', 'c/m'],
      reference: { graded: 10, passed: 10 },
      pValue: expect.closeTo(3 / 78, 12),
    });
    expect(log[0]?.events[0]?.alarm.hosts).toEqual(['a/m', 'b/m', 'c/m']);
    // b's window began at 171: c alone (a is alarmed), 180 … 220. P = 3/28.
    expect(log[1]?.events[1]?.alarm.confirmation).toMatchObject({
      siblings: ['c/m'],
      reference: { graded: 5, passed: 5 },
      pValue: expect.closeTo(3 / 28, 12),
    });
  });

  it("counts the sibling's samples taken at the window's first and last instants", () => {
    const monitor = new QualityMonitor(options);
    const a = '1111111111000100';
    for (let round = 1; round <= a.length; round += 1) {
      // b answers at the same instants as a, just before it.
      monitor.record(graded('b/m', 10 * round, true));
      const events = monitor.record(graded('a/m', 10 * round, a[round - 1] === '1'));
      if (events.length > 0) {
        expect(round).toBe(16);
        // The window is 110 … 160: b's samples at 110, 120, …, 160, both ends included.
        // P = C(3,1)·C(6,6)/C(9,7) = 3/36.
        expect(events[0]?.alarm.confirmation).toMatchObject({
          reference: { graded: 6, passed: 6 },
          pValue: expect.closeTo(3 / 36, 12),
        });
      }
    }
    expect(monitor.alarms()).toHaveLength(1);
  });

  it('takes the last minWindow sibling samples when none falls in the window', () => {
    const monitor = new QualityMonitor({ ...options, confirmPValue: 0.25 });
    // b stops answering before a's window: its last three (81, 91, 101) are the reference.
    const log = rounds(monitor, '1111111111' + '000100', '1111111111');
    expect(log[0]?.round).toBe(16);
    expect(log[0]?.events[0]?.alarm.confirmation).toMatchObject({
      reference: { graded: 3, passed: 3 },
      pValue: expect.closeTo(3 / 15, 12),
    });
  });

  it('ignores unanswered runs entirely', () => {
    const monitor = new QualityMonitor(options);
    expect(monitor.record(graded('a/m', 1, null))).toEqual([]);
    expect(monitor.status('a/m')).toBeUndefined();
  });
});

describe('wilsonLowerBound', () => {
  it("is the Wilson score interval's lower end, and 0 with nothing graded", () => {
    // 8 of 10 at z = 1: (0.8 + 1/20 − √(0.016 + 1/400)) / 1.1.
    expect(wilsonLowerBound(8, 10, 1)).toBeCloseTo(0.6490775, 6);
    // 45 of 50 at z = 1.96: the textbook 95 % interval's lower end.
    expect(wilsonLowerBound(45, 50, 1.96)).toBeCloseTo(0.7864, 4);
    expect(wilsonLowerBound(0, 10, 1)).toBe(0);
    expect(wilsonLowerBound(0, 0, 1)).toBe(0);
  });
});
