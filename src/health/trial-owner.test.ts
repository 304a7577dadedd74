import { describe, expect, it } from 'vitest';
import { trialOwnerOf } from './trial-owner.js';

const REPLICAS = ['replica-a', 'replica-b', 'replica-c'];

describe('trialOwnerOf', () => {
  it('picks one of the replicas, the same whatever order the set is listed in', () => {
    for (let index = 0; index < 50; index += 1) {
      const deployment = `host-${index}/model`;
      const owner = trialOwnerOf(deployment, REPLICAS);
      expect(REPLICAS).toContain(owner);
      expect(trialOwnerOf(deployment, [...REPLICAS].reverse())).toBe(owner);
      expect(trialOwnerOf(deployment, ['replica-b', 'replica-c', 'replica-a'])).toBe(owner);
    }
  });

  it('spreads deployments across the replicas', () => {
    const counts = new Map<string, number>();
    for (let index = 0; index < 300; index += 1) {
      const owner = trialOwnerOf(`host-${index}/model`, REPLICAS) ?? 'none';
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    // 100 each on average; a hash that favoured one replica would leave another well under 60.
    for (const replica of REPLICAS) expect(counts.get(replica) ?? 0).toBeGreaterThan(60);
  });

  it('moves only the deployments the leaving replica owned', () => {
    let moved = 0;
    for (let index = 0; index < 200; index += 1) {
      const deployment = `host-${index}/model`;
      const before = trialOwnerOf(deployment, REPLICAS);
      const after = trialOwnerOf(deployment, ['replica-a', 'replica-b']);
      if (before !== 'replica-c') expect(after).toBe(before);
      else moved += 1;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('answers undefined with no replica, and the only one when alone', () => {
    expect(trialOwnerOf('a/m', [])).toBeUndefined();
    expect(trialOwnerOf('a/m', ['solo'])).toBe('solo');
  });
});
