import { fisherExact } from './fisher-exact.js';
import { BernoulliSprt } from './sprt.js';
import type { CanaryResult } from './types.js';

/**
 * The drift statistics of DESIGN.md §7 "Quality canaries": one restarting Bernoulli SPRT per
 * deployment against that deployment's own baseline (all suites pooled: one rate per deployment),
 * an SPRT alarm confirmed by a one-sided Fisher exact test before it becomes a public quality alarm,
 * and attribution of a confirmed drop to the host, the model or a vendor update. Pure: no clock, no
 * I/O; time is the `at` of the results it is fed.
 */
export interface QualityMonitorOptions {
  /** SPRT false-alarm probability per cycle (DESIGN.md §7). */
  alpha: number;
  /** SPRT miss probability per cycle (DESIGN.md §7). */
  beta: number;
  /** The drop in pass rate the SPRT is tuned to detect: p1 = p0 − drop (DESIGN.md §7: 5 points). */
  drop: number;
  /** Graded results that form a new deployment's first baseline before its SPRT starts. */
  baselineSamples: number;
  /** Most samples kept in the baseline; a larger window refreshes it more slowly. */
  baselineMaxSamples: number;
  /** p0 is clamped to at most this, so p1 and the fail increment stay finite. */
  maxBaselineRate: number;
  /** p0 is clamped to at least this, so p1 = p0 − drop stays a rate. */
  minBaselineRate: number;
  /**
   * A drop is confirmed when Fisher's one-sided p-value is below this. 0.001, not 0.01: the test is
   * repeated at every sample while a suspicion lasts, and 0.01 let chance failures through in A/A runs.
   */
  confirmPValue: number;
  /** ... and the window's pass rate is at least this far below the reference's (absolute). */
  confirmMinDrop: number;
  /** Fewest samples after the SPRT alarm (and in a sibling reference) before a Fisher test. */
  minWindow: number;
  /** Most recent samples kept per deployment (bounds the confirmation window). */
  maxWindow: number;
  /** A public alarm clears when the SPRT accepts the baseline with this many samples since its last alarm. */
  recoverySamples: number;
  /** Recent samples behind `status().current`. */
  statusWindow: number;
}

export const defaultQualityMonitorOptions: QualityMonitorOptions = {
  alpha: 0.01,
  beta: 0.05,
  drop: 0.05,
  baselineSamples: 50,
  baselineMaxSamples: 1000,
  maxBaselineRate: 0.995,
  minBaselineRate: 0.1,
  confirmPValue: 0.001,
  confirmMinDrop: 0.05,
  minWindow: 30,
  maxWindow: 500,
  recoverySamples: 100,
  statusWindow: 100,
};

/** What a confirmed drop is blamed on. */
export type QualityAttribution = 'host' | 'model' | 'vendor_update';

/** Pass counts of a set of graded results. */
export interface PassCount {
  graded: number;
  passed: number;
  /** passed / graded; 0 when nothing was graded. */
  passRate: number;
}

/** A public quality alarm: a plain object an incident can carry as its evidence. */
export interface QualityAlarm {
  deployment: string;
  model: string;
  provider: string;
  attribution: QualityAttribution;
  /** `at` of the result whose SPRT alarm started the suspicion. */
  suspectedAt: number;
  /** `at` of the result at which the drop was confirmed (the alarm became public). */
  openedAt: number;
  /** Deployments of the model with a public quality alarm now (this one included). */
  alarmedHosts: string[];
  /** Every deployment of the model the monitor has graded results for. */
  hosts: string[];
  /** The baseline the SPRT tested against, frozen while the alarm is open. */
  baseline: PassCount & { p0: number; from: number; to: number };
  /** The recent window that was tested. */
  window: PassCount & { from: number; to: number };
  /** Per suite: pass counts in the baseline (before) and in the window (after). */
  suites: Array<{ suite: string; before: PassCount; after: PassCount }>;
  sprt: { llr: number; upper: number; lower: number; p0: number; p1: number; cycleSamples: number };
  confirmation: {
    /** What the window was compared with: pooled healthy siblings over the same time, or the own baseline. */
    against: 'siblings' | 'baseline';
    siblings: string[];
    /** The samples tested: those after the SPRT alarm (the alarmed cycle itself is not retested). */
    tested: PassCount & { from: number; to: number };
    reference: PassCount;
    /** Fisher exact, one-sided (window passes less often than reference). */
    pValue: number;
    threshold: number;
    minDrop: number;
  };
  /** Model version strings the host reported in the baseline and in the window. */
  responseModels: { before: string[]; after: string[]; changed: boolean };
}

/** What one `record` changed. */
export type QualityEvent =
  | { type: 'opened'; alarm: QualityAlarm }
  | { type: 'updated'; alarm: QualityAlarm }
  | { type: 'cleared'; alarm: QualityAlarm; at: number };

export type QualityPhase = 'learning' | 'healthy' | 'suspect' | 'alarm';

/** One deployment's quality state, for `explain`. */
export interface DeploymentQualityStatus {
  deployment: string;
  model: string;
  provider: string;
  phase: QualityPhase;
  /** Undefined while the first baseline is being learned. */
  baseline: (PassCount & { p0: number }) | undefined;
  /** The last `statusWindow` graded results. */
  current: PassCount;
  /** Graded results seen. */
  samples: number;
  sprt: { llr: number; upper: number; lower: number; cycleSamples: number } | undefined;
  alarm: QualityAlarm | undefined;
}

/** How often the SPRT alarmed and what confirmation made of it (the A/A run reports these). */
export interface QualityCounters {
  /** SPRT alarms on a healthy deployment (each opens a suspicion). */
  sprtAlarms: number;
  /** Suspicions that became public alarms. */
  confirmed: number;
  /** Suspicions the SPRT later dismissed (accepted the baseline) without confirmation. */
  dismissed: number;
  /** Public alarms cleared after recovery. */
  cleared: number;
}

interface Sample {
  at: number;
  pass: boolean;
  suite: string;
  responseModel: string | undefined;
}

interface DeploymentState {
  deployment: string;
  model: string;
  provider: string;
  phase: QualityPhase;
  samples: number;
  baseline: Sample[];
  p0: number;
  sprt: BernoulliSprt | undefined;
  /** Samples of the SPRT's current cycle: they join the baseline only if the cycle accepts it. */
  cycle: Sample[];
  recent: Sample[];
  suspect: { since: number; windowFrom: number; llr: number; cycleSamples: number } | undefined;
  /** Alarmed cycles of an open suspicion: they join the baseline if it is dismissed, else are dropped. */
  held: Sample[];
  samplesSinceSprtAlarm: number;
  alarm: QualityAlarm | undefined;
}

export class QualityMonitor {
  private readonly options: QualityMonitorOptions;
  private readonly states = new Map<string, DeploymentState>();
  private readonly counts: QualityCounters = { sprtAlarms: 0, confirmed: 0, dismissed: 0, cleared: 0 };

  constructor(options: Partial<QualityMonitorOptions> = {}) {
    this.options = { ...defaultQualityMonitorOptions, ...options };
  }

  /** Feeds one canary result; unanswered runs (`pass === null`) are not quality samples and are ignored. */
  record(result: CanaryResult): QualityEvent[] {
    if (result.pass === null) return [];
    const state = this.stateOf(result);
    const sample: Sample = {
      at: result.at,
      pass: result.pass,
      suite: result.suite,
      responseModel: result.responseModel,
    };
    state.samples += 1;
    pushBounded(state.recent, sample, this.options.maxWindow);

    if (state.phase === 'learning') {
      state.baseline.push(sample);
      if (state.baseline.length >= this.options.baselineSamples) {
        state.p0 = this.baselineRate(state.baseline);
        state.sprt = new BernoulliSprt({
          p0: state.p0,
          p1: state.p0 - this.options.drop,
          alpha: this.options.alpha,
          beta: this.options.beta,
        });
        state.phase = 'healthy';
      }
      return [];
    }
    const sprt = state.sprt;
    if (!sprt) return [];
    state.cycle.push(sample);
    state.samplesSinceSprtAlarm += 1;
    const decision = sprt.observe(sample.pass);
    const cycle = state.cycle;
    if (decision !== 'continue') state.cycle = [];
    const events: QualityEvent[] = [];

    if (decision === 'alarm') {
      state.samplesSinceSprtAlarm = 0;
      if (state.phase === 'healthy') {
        this.counts.sprtAlarms += 1;
        state.phase = 'suspect';
        state.suspect = {
          since: sample.at,
          windowFrom: cycle[0]?.at ?? sample.at,
          llr: sprt.lastCycle?.llr ?? 0,
          cycleSamples: cycle.length,
        };
        state.held = [...cycle];
      } else if (state.suspect) {
        state.held.push(...cycle);
        state.suspect.llr = sprt.lastCycle?.llr ?? state.suspect.llr;
        state.suspect.cycleSamples = cycle.length;
      }
    } else if (decision === 'accept') {
      if (state.phase === 'healthy' || state.phase === 'suspect') {
        // Samples refresh the baseline once the SPRT judged them consistent with it: an accepted cycle,
        // and the alarmed cycles of a suspicion it dismissed (leaving those out would teach the
        // baseline only the lucky stretches). A confirmed drop never enters; the bounded window makes
        // the refresh slow.
        const consistent = state.phase === 'suspect' ? [...state.held, ...cycle] : cycle;
        for (const accepted of consistent)
          pushBounded(state.baseline, accepted, this.options.baselineMaxSamples);
        state.held = [];
        state.p0 = this.baselineRate(state.baseline);
        sprt.setBaseline(state.p0, state.p0 - this.options.drop);
      }
      if (state.phase === 'suspect') {
        this.counts.dismissed += 1;
        state.phase = 'healthy';
        state.suspect = undefined;
      } else if (
        state.phase === 'alarm' &&
        state.alarm &&
        state.samplesSinceSprtAlarm >= this.options.recoverySamples
      ) {
        const alarm = state.alarm;
        state.alarm = undefined;
        state.phase = 'healthy';
        state.samplesSinceSprtAlarm = 0;
        this.counts.cleared += 1;
        events.push({ type: 'cleared', alarm, at: sample.at });
        events.push(...this.reattribute(state.model, undefined));
      }
    }

    if (state.phase === 'suspect') {
      const alarm = this.tryConfirm(state, sample.at);
      if (alarm) {
        state.phase = 'alarm';
        state.alarm = alarm;
        state.suspect = undefined;
        state.held = [];
        this.counts.confirmed += 1;
        events.push(...this.reattribute(state.model, state.deployment));
        events.push({ type: 'opened', alarm: state.alarm });
      }
    }
    return events;
  }

  /** Public alarms open now. */
  alarms(): QualityAlarm[] {
    const open: QualityAlarm[] = [];
    for (const state of this.states.values()) if (state.alarm) open.push(state.alarm);
    return open;
  }

  /** One deployment's state for `explain`; undefined before its first graded result. */
  status(deployment: string): DeploymentQualityStatus | undefined {
    const state = this.states.get(deployment);
    if (!state) return undefined;
    const sprt = state.sprt;
    return {
      deployment: state.deployment,
      model: state.model,
      provider: state.provider,
      phase: state.phase,
      baseline: sprt ? { ...countPasses(state.baseline), p0: state.p0 } : undefined,
      current: countPasses(state.recent.slice(-this.options.statusWindow)),
      samples: state.samples,
      sprt: sprt
        ? { llr: sprt.llr, upper: sprt.bounds.upper, lower: sprt.bounds.lower, cycleSamples: sprt.samples }
        : undefined,
      alarm: state.alarm,
    };
  }

  counters(): QualityCounters {
    return { ...this.counts };
  }

  private stateOf(result: CanaryResult): DeploymentState {
    let state = this.states.get(result.deployment);
    if (!state) {
      state = {
        deployment: result.deployment,
        model: result.model,
        provider: result.provider,
        phase: 'learning',
        samples: 0,
        baseline: [],
        p0: 0,
        sprt: undefined,
        cycle: [],
        recent: [],
        suspect: undefined,
        held: [],
        samplesSinceSprtAlarm: 0,
        alarm: undefined,
      };
      this.states.set(result.deployment, state);
    }
    return state;
  }

  /**
   * A conservative baseline: the Wilson score lower bound at one standard error (z = 1). Laplace
   * smoothing alone was not enough: 50 samples of a 0.8 host estimate it with a spread of ±0.057,
   * more than the 5-point drop under test, and a baseline learned too high makes the SPRT alarm on a
   * healthy host and then never accept the baseline again (so it never refreshes). Near 1 it behaves
   * like Laplace (50 of 50 gives 0.98, not 1). Clamped so p1 = p0 − drop stays a rate.
   */
  private baselineRate(samples: readonly Sample[]): number {
    const { graded, passed } = countPasses(samples);
    const lower = wilsonLowerBound(passed, graded, 1);
    return Math.min(this.options.maxBaselineRate, Math.max(this.options.minBaselineRate, lower));
  }

  private siblingsOf(state: DeploymentState): DeploymentState[] {
    const siblings: DeploymentState[] = [];
    for (const other of this.states.values()) {
      if (other.model === state.model && other.deployment !== state.deployment) siblings.push(other);
    }
    return siblings;
  }

  /**
   * The window is the suspect's samples since its first alarmed SPRT cycle began; the samples after
   * the alarm (at least `minWindow`) are tested, one-sided (fewer passes), against the pooled samples
   * of healthy siblings over the whole window's time span (the siblings were not selected, so their
   * older samples add power without bias). With no healthy sibling (none exists, or all are suspect or
   * alarmed, as in a model-wide drop) the reference is the deployment's own frozen baseline. Confirmed
   * when p < `confirmPValue` and the tested rate is at least `confirmMinDrop` below the reference.
   */
  private tryConfirm(state: DeploymentState, now: number): QualityAlarm | undefined {
    const suspect = state.suspect;
    const sprt = state.sprt;
    if (!suspect || !sprt) return undefined;
    // The SPRT chose the alarmed cycle because it held a cluster of failures: testing those same
    // samples again confirms chance clusters (A/A, 20 runs of 10,000 rounds × 3 hosts at 2 % failures:
    // 11 false alarms at p < 0.01, 1 at p < 0.001). Only samples after the alarm, which the SPRT did
    // not select, are tested (0 in the same runs).
    const fresh = state.recent.filter((sample) => sample.at > suspect.since);
    if (fresh.length < this.options.minWindow) return undefined;
    const window = state.recent.filter((sample) => sample.at >= suspect.windowFrom);
    const from = window[0]?.at ?? now;
    const windowCount = countPasses(window);
    const tested = countPasses(fresh);
    const testedFrom = fresh[0]?.at ?? now;

    const healthy = this.siblingsOf(state).filter(
      (other) => other.phase === 'healthy' || other.phase === 'learning',
    );
    const against: 'siblings' | 'baseline' = healthy.length > 0 ? 'siblings' : 'baseline';
    const referenceSamples =
      against === 'siblings' ? this.siblingReference(healthy, from, now) : state.baseline;
    const reference = countPasses(referenceSamples);
    const pValue = fisherExact(
      tested.passed,
      tested.graded - tested.passed,
      reference.passed,
      reference.graded - reference.passed,
    ).less;
    const confirmed =
      pValue < this.options.confirmPValue &&
      reference.passRate - tested.passRate >= this.options.confirmMinDrop;
    if (!confirmed) return undefined;

    const before = new Set(
      state.baseline.flatMap((sample) => (sample.responseModel ? [sample.responseModel] : [])),
    );
    const after = new Set(window.flatMap((sample) => (sample.responseModel ? [sample.responseModel] : [])));
    const changed = before.size > 0 && [...after].some((version) => !before.has(version));
    const suites = [...new Set([...state.baseline, ...window].map((sample) => sample.suite))].sort();
    return {
      deployment: state.deployment,
      model: state.model,
      provider: state.provider,
      attribution: 'host',
      suspectedAt: suspect.since,
      openedAt: now,
      alarmedHosts: [state.deployment],
      hosts: [state.deployment, ...this.siblingsOf(state).map((other) => other.deployment)].sort(),
      baseline: {
        ...countPasses(state.baseline),
        p0: state.p0,
        from: state.baseline[0]?.at ?? now,
        to: state.baseline.at(-1)?.at ?? now,
      },
      window: { ...windowCount, from, to: now },
      suites: suites.map((suite) => ({
        suite,
        before: countPasses(state.baseline.filter((sample) => sample.suite === suite)),
        after: countPasses(window.filter((sample) => sample.suite === suite)),
      })),
      sprt: {
        llr: suspect.llr,
        upper: sprt.bounds.upper,
        lower: sprt.bounds.lower,
        p0: state.p0,
        p1: state.p0 - this.options.drop,
        cycleSamples: suspect.cycleSamples,
      },
      confirmation: {
        against,
        siblings: against === 'siblings' ? healthy.map((other) => other.deployment).sort() : [],
        tested: { ...tested, from: testedFrom, to: now },
        reference,
        pValue,
        threshold: this.options.confirmPValue,
        minDrop: this.options.confirmMinDrop,
      },
      responseModels: { before: [...before].sort(), after: [...after].sort(), changed },
    };
  }

  /**
   * The healthy siblings' samples over the window's time span, reaching further back when that span
   * holds fewer than `minWindow` of them (siblings probed less often, or a short window).
   */
  private siblingReference(healthy: readonly DeploymentState[], from: number, now: number): Sample[] {
    const pooled = healthy.flatMap((other) => other.recent.filter((sample) => sample.at <= now));
    pooled.sort((left, right) => left.at - right.at);
    let start = pooled.findIndex((sample) => sample.at >= from);
    if (start < 0) start = pooled.length;
    return pooled.slice(Math.min(start, Math.max(0, pooled.length - this.options.minWindow)));
  }

  /**
   * Attribution, recomputed for every open alarm of the model whenever one opens or clears: a changed
   * version string on the alarmed host → vendor update; every host of the model alarmed (a model with
   * one host included: nothing to tell host from model apart) → model; otherwise → host. Returns an
   * `updated` event for each other alarm whose attribution or host list changed.
   */
  private reattribute(model: string, opened: string | undefined): QualityEvent[] {
    const deployments = [...this.states.values()].filter((state) => state.model === model);
    const alarmed = deployments
      .filter((state) => state.alarm)
      .map((state) => state.deployment)
      .sort();
    const everyHost = alarmed.length === deployments.length;
    const events: QualityEvent[] = [];
    for (const state of deployments) {
      const alarm = state.alarm;
      if (!alarm) continue;
      const attribution: QualityAttribution = alarm.responseModels.changed
        ? 'vendor_update'
        : everyHost
          ? 'model'
          : 'host';
      const hostsChanged = alarm.alarmedHosts.join('\n') !== alarmed.join('\n');
      if (attribution === alarm.attribution && !hostsChanged) continue;
      state.alarm = { ...alarm, attribution, alarmedHosts: alarmed };
      if (state.deployment !== opened) events.push({ type: 'updated', alarm: state.alarm });
    }
    return events;
  }
}

function countPasses(samples: readonly Sample[]): PassCount {
  let passed = 0;
  for (const sample of samples) if (sample.pass) passed += 1;
  return { graded: samples.length, passed, passRate: samples.length === 0 ? 0 : passed / samples.length };
}

/** Wilson score interval's lower end for `passed` of `graded` at `z` standard errors. */
export function wilsonLowerBound(passed: number, graded: number, z: number): number {
  if (graded === 0) return 0;
  const rate = passed / graded;
  const z2 = z * z;
  const centre = rate + z2 / (2 * graded);
  const spread = z * Math.sqrt((rate * (1 - rate)) / graded + z2 / (4 * graded * graded));
  return (centre - spread) / (1 + z2 / graded);
}

function pushBounded<T>(items: T[], item: T, limit: number): void {
  items.push(item);
  if (items.length > limit) items.splice(0, items.length - limit);
}
