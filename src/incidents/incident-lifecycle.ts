import type { IncidentStatus } from '../store/index.js';

/** Where a model's detector-owned incident is: `none` when it has no open one. */
export type IncidentPhase = 'none' | Exclude<IncidentStatus, 'resolved'>;

/**
 * What one evaluation observed about a model, as far as its incident is concerned:
 * - `trouble`: a deployment has been in trouble for `incidentAfterMs`, or the model is in major outage;
 * - `unsettled`: trouble has begun but not yet lasted `incidentAfterMs`, or the detector has not yet
 *   watched for `incidentAfterMs` since it took the incident over from the store after a restart;
 *   neither worse nor clean, so nothing moves;
 * - `quiet`: nothing in trouble;
 * - `clean_period`: quiet for `resolveAfterMs` since monitoring began;
 * - `released`: an operator resolved the incident by hand.
 */
export type LifecycleEvent = 'trouble' | 'unsettled' | 'quiet' | 'clean_period' | 'released';

/**
 * What a transition writes to the store:
 * - `open`: a new incident, `investigating`;
 * - `identify`: an `identified` update;
 * - `relapse`: an `identified` update that says the problem returned;
 * - `monitor`: a `monitoring` update; the quiet clock starts;
 * - `resolve`: a `resolved` update;
 * - `forget`: nothing (the operator wrote it); the detector stops following the incident;
 * - `nothing`: nothing.
 */
export type LifecycleWrite = 'open' | 'identify' | 'relapse' | 'monitor' | 'resolve' | 'forget' | 'nothing';

/** Where an event takes a phase, and what is written on the way. */
export interface LifecycleTransition {
  to: IncidentPhase;
  write: LifecycleWrite;
}

/** Phase × event → transition. A pair that is absent cannot happen, and is refused. */
export type LifecycleTable = Readonly<
  Record<IncidentPhase, Readonly<Partial<Record<LifecycleEvent, LifecycleTransition>>>>
>;

const stay = (phase: IncidentPhase): LifecycleTransition => ({ to: phase, write: 'nothing' });
const forget: LifecycleTransition = { to: 'none', write: 'forget' };

/**
 * The incident timeline of DESIGN.md §7 (investigating → identified → monitoring → resolved) as
 * data. `clean_period` exists only in `monitoring`, the one phase with a quiet clock, and nothing
 * can be released that is not open; those pairs are absent.
 */
export const INCIDENT_LIFECYCLE: LifecycleTable = {
  none: {
    trouble: { to: 'investigating', write: 'open' },
    unsettled: stay('none'),
    quiet: stay('none'),
  },
  investigating: {
    trouble: { to: 'identified', write: 'identify' },
    unsettled: stay('investigating'),
    quiet: { to: 'monitoring', write: 'monitor' },
    released: forget,
  },
  identified: {
    // Nothing new to say while it lasts; the evidence is brought up to date at the next transition.
    trouble: stay('identified'),
    unsettled: stay('identified'),
    quiet: { to: 'monitoring', write: 'monitor' },
    released: forget,
  },
  monitoring: {
    trouble: { to: 'identified', write: 'relapse' },
    // A short relapse holds the incident open without restarting the quiet clock.
    unsettled: stay('monitoring'),
    quiet: stay('monitoring'),
    clean_period: { to: 'none', write: 'resolve' },
    released: forget,
  },
};

/** The transition of `event` in `phase`, or `undefined` when the pair cannot happen (refused). */
export function transitionOf(
  phase: IncidentPhase,
  event: LifecycleEvent,
  table: LifecycleTable = INCIDENT_LIFECYCLE,
): LifecycleTransition | undefined {
  return table[phase][event];
}

/** The named thresholds of the lifecycle (config `status.incidentAfter` / `status.resolveAfter`). */
export interface LifecycleThresholds {
  /**
   * Trouble must last this long to count (default 2 min); also how long the detector watches an
   * incident it took over after a restart before calling it quiet, since health starts empty.
   */
  incidentAfterMs: number;
  /** Quiet this long in `monitoring` resolves the incident (default 30 min). */
  resolveAfterMs: number;
}

/** What {@link lifecycleEventOf} reads at one evaluation. */
export interface LifecycleObservation {
  now: number;
  /** When the longest-troubled deployment of the model became troubled; undefined when none is. */
  troubleSince: number | undefined;
  /** The model's published status is a major outage. */
  majorOutage: boolean;
  /** When monitoring began (the quiet clock), if it has. */
  quietSince: number | undefined;
  /** When this detector took the incident over from the store after a restart, if it did. */
  restoredAt: number | undefined;
}

/** The event an evaluation stands for. Order matters: trouble outranks a hold, a hold outranks quiet. */
export function lifecycleEventOf(
  observation: LifecycleObservation,
  thresholds: LifecycleThresholds,
): Exclude<LifecycleEvent, 'released'> {
  const { now, troubleSince, restoredAt, quietSince } = observation;
  if (observation.majorOutage) return 'trouble';
  if (troubleSince !== undefined) {
    return now - troubleSince >= thresholds.incidentAfterMs ? 'trouble' : 'unsettled';
  }
  if (restoredAt !== undefined && now - restoredAt < thresholds.incidentAfterMs) return 'unsettled';
  if (quietSince !== undefined && now - quietSince >= thresholds.resolveAfterMs) return 'clean_period';
  return 'quiet';
}
