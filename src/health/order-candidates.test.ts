import { describe, expect, it } from 'vitest';
import { deploymentStatus } from '../../test/support/health-stats.js';
import type { DeploymentStatus } from './deployment-status.js';
import { orderCandidates } from './order-candidates.js';

const status = deploymentStatus;

const open = (openedAt: number): DeploymentStatus =>
  status({
    state: 'open',
    admission: 'no',
    openedAt,
    openUntil: openedAt + 30_000,
    ejectionCount: 1,
    admissionWeight: 0,
  });

/** One deployment in each state, in an order that is not the tiers' order. */
function everyTier(): Map<string, DeploymentStatus> {
  return new Map([
    ['trial', status({ state: 'half_open', admission: 'trial', admissionWeight: 0, openedAt: 1 })],
    ['demoted', status({ demoted: true })],
    ['degraded', status({ degraded: true })],
    ['ramping', status({ admissionWeight: 0.1 })],
    ['open', open(5)],
    ['drained', status({ drained: true, admission: 'no' })],
    ['healthy', status()],
  ]);
}

function ids(result: ReturnType<typeof orderCandidates>): string[] {
  return result.map((candidate) => candidate.id);
}

describe('orderCandidates', () => {
  it('keeps the priority order of healthy deployments, drawing no random number for them', () => {
    const statuses = new Map([
      ['a', status()],
      ['b', status()],
    ]);
    let draws = 0;
    const random = () => {
      draws += 1;
      return 0.5;
    };
    expect(ids(orderCandidates(['b', 'a', 'c'], statuses, random))).toEqual(['b', 'a', 'c']);
    expect(draws).toBe(0);
  });

  it('orders healthy, ramping, degraded, demoted, then trial, and leaves out the rest', () => {
    const statuses = everyTier();
    const result = orderCandidates([...statuses.keys()], statuses, () => 0.5);
    expect(result.map((candidate) => [candidate.id, candidate.tier, candidate.trial])).toEqual([
      ['healthy', 'healthy', false],
      ['ramping', 'ramping', false],
      ['degraded', 'degraded', false],
      ['demoted', 'demoted', false],
      ['trial', 'trial', true],
    ]);
    expect(result.some((candidate) => candidate.panic)).toBe(false);
  });

  it('keeps a ramping deployment in place with probability equal to its weight', () => {
    const statuses = new Map([
      ['ramping', status({ admissionWeight: 0.5 })],
      ['peer', status()],
    ]);
    expect(ids(orderCandidates(['ramping', 'peer'], statuses, () => 0.49))).toEqual(['ramping', 'peer']);
    expect(ids(orderCandidates(['ramping', 'peer'], statuses, () => 0.5))).toEqual(['peer', 'ramping']);
    let first = 0;
    let draw = 0;
    const draws = () => ((draw++ * 7919) % 1000) / 1000; // evenly spread over [0, 1)
    for (let index = 0; index < 1000; index++) {
      if (orderCandidates(['ramping', 'peer'], statuses, draws)[0]!.id === 'ramping') first += 1;
    }
    expect(first).toBe(500);
  });

  it('leaves a slow deployment that is ramping among the degraded, and draws nothing for it', () => {
    const statuses = new Map([
      ['slow', status({ degraded: true, admissionWeight: 0.5 })],
      ['demoted', status({ demoted: true })],
    ]);
    let draws = 0;
    const result = orderCandidates(['demoted', 'slow'], statuses, () => {
      draws += 1;
      return 0.9;
    });
    expect(result.map((candidate) => [candidate.id, candidate.tier])).toEqual([
      ['slow', 'degraded'],
      ['demoted', 'demoted'],
    ]);
    expect(draws).toBe(0);
  });

  it('with weights labels a slow deployment that is ramping as degraded, at half its ramped share', () => {
    const statuses = new Map([['slow', status({ degraded: true, admissionWeight: 0.5 })]]);
    expect(orderCandidates(['slow'], statuses, Math.random, new Map([['slow', 2]]))).toEqual([
      { id: 'slow', tier: 'degraded', trial: false, panic: false, share: 0.5 },
    ]);
  });

  it('puts a forced deployment with the healthy ones, whatever its health', () => {
    const statuses = new Map([
      ['peer', status({ demoted: true })],
      [
        'forced',
        {
          ...open(1),
          forced: true,
          demoted: true,
          degraded: true,
          admission: 'yes' as const,
          admissionWeight: 1,
        },
      ],
    ]);
    expect(orderCandidates(['peer', 'forced'], statuses).map((candidate) => candidate.tier)).toEqual([
      'healthy',
      'demoted',
    ]);
    expect(ids(orderCandidates(['peer', 'forced'], statuses))).toEqual(['forced', 'peer']);
  });

  it('in panic returns only the deployment ejected longest ago, flagged', () => {
    const statuses = new Map([
      ['recent', open(2000)],
      ['oldest', open(1000)],
      ['cooling', status({ admission: 'no', coolingUntil: 500 })],
      ['drained', { ...open(10), drained: true }],
    ]);
    expect(orderCandidates(['recent', 'oldest', 'cooling', 'drained'], statuses)).toEqual([
      { id: 'oldest', tier: 'panic', trial: false, panic: true },
    ]);
  });

  it('in panic keeps the first in order among equals, and never picks a disabled deployment', () => {
    const statuses = new Map([
      ['disabled', { ...open(500), disabled: 'auth' as const }],
      ['oldest', open(1000)],
      ['recent', open(2000)],
      ['tied', open(1000)],
    ]);
    expect(ids(orderCandidates(['disabled', 'oldest', 'recent', 'tied'], statuses))).toEqual(['oldest']);
    const cooling = new Map([
      ['first', status({ admission: 'no', coolingUntil: 3000 })],
      ['later', status({ admission: 'no', coolingUntil: 9000 })],
      ['tied', status({ admission: 'no', coolingUntil: 3000 })],
    ]);
    expect(ids(orderCandidates(['first', 'later', 'tied'], cooling))).toEqual(['first']);
  });

  it('in panic with nothing ejected picks the deployment that cools down first', () => {
    const statuses = new Map([
      ['late', status({ admission: 'no', coolingUntil: 9000 })],
      ['soon', status({ admission: 'no', coolingUntil: 3000 })],
    ]);
    expect(ids(orderCandidates(['late', 'soon'], statuses))).toEqual(['soon']);
  });

  it('returns nothing when every deployment is drained or disabled', () => {
    const statuses = new Map([
      ['drained', status({ drained: true, admission: 'no' })],
      ['disabled', status({ disabled: 'auth', admission: 'no' })],
    ]);
    expect(orderCandidates(['drained', 'disabled'], statuses)).toEqual([]);
  });

  it('with weights leads with one pool sharing by weight × ramp, halved when slow; demoted and trials follow', () => {
    const statuses = new Map([
      ...everyTier(),
      ['forced', { ...status({ admissionWeight: 0.1 }), forced: true }],
    ]);
    const weights = new Map([
      ['degraded', 4],
      ['ramping', 2],
      ['healthy', 3],
      ['demoted', 5],
    ]);
    const never = () => {
      throw new Error('the weighted order draws no lottery');
    };
    const result = orderCandidates([...statuses.keys()], statuses, never, weights);
    expect(result.map((candidate) => [candidate.id, candidate.tier, candidate.share])).toEqual([
      ['degraded', 'degraded', 2],
      ['ramping', 'ramping', 0.2],
      ['healthy', 'healthy', 3],
      ['forced', 'healthy', 1],
      ['demoted', 'demoted', undefined],
      ['trial', 'trial', undefined],
    ]);
    expect(result.find((candidate) => candidate.id === 'trial')?.trial).toBe(true);
  });
});
