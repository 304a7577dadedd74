import { describe, expect, it } from 'vitest';
import {
  INCIDENT_LIFECYCLE,
  type IncidentPhase,
  type LifecycleEvent,
  type LifecycleObservation,
  type LifecycleWrite,
  lifecycleEventOf,
  transitionOf,
} from './incident-lifecycle.js';

const PHASES: readonly IncidentPhase[] = ['none', 'investigating', 'identified', 'monitoring'];
const EVENTS: readonly LifecycleEvent[] = ['trouble', 'unsettled', 'quiet', 'clean_period', 'released'];

/** Every pair, written out: `undefined` for the ones that cannot happen. */
const EXPECTED: Record<IncidentPhase, Record<LifecycleEvent, [IncidentPhase, LifecycleWrite] | undefined>> = {
  none: {
    trouble: ['investigating', 'open'],
    unsettled: ['none', 'nothing'],
    quiet: ['none', 'nothing'],
    clean_period: undefined,
    released: undefined,
  },
  investigating: {
    trouble: ['identified', 'identify'],
    unsettled: ['investigating', 'nothing'],
    quiet: ['monitoring', 'monitor'],
    clean_period: undefined,
    released: ['none', 'forget'],
  },
  identified: {
    trouble: ['identified', 'nothing'],
    unsettled: ['identified', 'nothing'],
    quiet: ['monitoring', 'monitor'],
    clean_period: undefined,
    released: ['none', 'forget'],
  },
  monitoring: {
    trouble: ['identified', 'relapse'],
    unsettled: ['monitoring', 'nothing'],
    quiet: ['monitoring', 'nothing'],
    clean_period: ['none', 'resolve'],
    released: ['none', 'forget'],
  },
};

describe('transitionOf', () => {
  for (const phase of PHASES) {
    for (const event of EVENTS) {
      const expected = EXPECTED[phase][event];
      const says = expected === undefined ? 'refuses it' : `goes to ${expected[0]} and writes ${expected[1]}`;
      it(`${phase} × ${event} ${says}`, () => {
        const transition = transitionOf(phase, event);
        if (expected === undefined) expect(transition).toBeUndefined();
        else expect(transition).toEqual({ to: expected[0], write: expected[1] });
      });
    }
  }

  it('writes an incident update only from a phase that has an incident, and opens one only from none', () => {
    for (const phase of PHASES) {
      for (const transition of Object.values(INCIDENT_LIFECYCLE[phase])) {
        if (transition.write === 'open') expect(phase).toBe('none');
        if (['identify', 'relapse', 'monitor', 'resolve', 'forget'].includes(transition.write))
          expect(phase).not.toBe('none');
        // Leaving for `none` always closes the incident one way or the other.
        if (transition.to === 'none' && phase !== 'none')
          expect(['resolve', 'forget']).toContain(transition.write);
      }
    }
  });

  it('walks the timeline of DESIGN.md §7, with a relapse, in order', () => {
    const events: LifecycleEvent[] = [
      'quiet',
      'trouble',
      'trouble',
      'quiet',
      'trouble',
      'quiet',
      'quiet',
      'clean_period',
    ];
    let phase: IncidentPhase = 'none';
    const writes: LifecycleWrite[] = [];
    for (const event of events) {
      const transition = transitionOf(phase, event);
      if (transition === undefined) throw new Error(`${phase} × ${event} refused`);
      writes.push(transition.write);
      phase = transition.to;
    }
    expect(writes).toEqual([
      'nothing',
      'open',
      'identify',
      'monitor',
      'relapse',
      'monitor',
      'nothing',
      'resolve',
    ]);
    expect(phase).toBe('none');
  });
});

describe('lifecycleEventOf', () => {
  const thresholds = { incidentAfterMs: 2_000, resolveAfterMs: 10_000 };
  const at = (overrides: Partial<LifecycleObservation>): LifecycleObservation => ({
    now: 100_000,
    troubleSince: undefined,
    majorOutage: false,
    quietSince: undefined,
    restoredAt: undefined,
    ...overrides,
  });

  it('calls trouble trouble only once it has lasted incidentAfterMs', () => {
    expect(lifecycleEventOf(at({ troubleSince: 100_000 - 1_999 }), thresholds)).toBe('unsettled');
    expect(lifecycleEventOf(at({ troubleSince: 100_000 - 2_000 }), thresholds)).toBe('trouble');
  });

  it('calls a major outage trouble at once', () => {
    expect(lifecycleEventOf(at({ majorOutage: true }), thresholds)).toBe('trouble');
  });

  it('calls it a clean period once quiet for resolveAfterMs, not before', () => {
    expect(lifecycleEventOf(at({ quietSince: 100_000 - 9_999 }), thresholds)).toBe('quiet');
    expect(lifecycleEventOf(at({ quietSince: 100_000 - 10_000 }), thresholds)).toBe('clean_period');
  });

  it('holds a restored incident for incidentAfterMs before calling it quiet or clean', () => {
    const restored = { restoredAt: 100_000 - 1_999, quietSince: 0 };
    expect(lifecycleEventOf(at(restored), thresholds)).toBe('unsettled');
    expect(lifecycleEventOf(at({ ...restored, restoredAt: 100_000 - 2_000 }), thresholds)).toBe(
      'clean_period',
    );
    expect(lifecycleEventOf(at({ restoredAt: 100_000 - 2_000 }), thresholds)).toBe('quiet');
  });

  it('lets trouble outrank the hold, and short trouble stop the quiet clock from resolving', () => {
    expect(lifecycleEventOf(at({ restoredAt: 100_000, troubleSince: 100_000 - 2_000 }), thresholds)).toBe(
      'trouble',
    );
    expect(lifecycleEventOf(at({ quietSince: 0, troubleSince: 100_000 }), thresholds)).toBe('unsettled');
  });
});
