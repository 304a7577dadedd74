import { describe, expect, it } from 'vitest';
import { HedgeShare } from './hedge-share.js';

const T0 = 1_000_000;

describe('HedgeShare', () => {
  it('allows a hedge only while hedges stay within the share of requests', () => {
    const share = new HedgeShare();
    for (let index = 0; index < 19; index += 1) share.recordRequest(T0);
    // 1 hedge for 19 requests is more than 5 %.
    expect(share.tryHedge(T0, 0.05)).toBe(false);
    share.recordRequest(T0);
    expect(share.tryHedge(T0, 0.05)).toBe(true);
    expect(share.tryHedge(T0, 0.05)).toBe(false);
    for (let index = 0; index < 20; index += 1) share.recordRequest(T0);
    expect(share.tryHedge(T0, 0.05)).toBe(true);
    expect(share.tryHedge(T0, 0.05)).toBe(false);
  });

  it('forgets requests and hedges older than a minute', () => {
    const share = new HedgeShare();
    for (let index = 0; index < 20; index += 1) share.recordRequest(T0);
    expect(share.tryHedge(T0, 0.05)).toBe(true);
    expect(share.tryHedge(T0 + 59_000, 0.05)).toBe(false);
    expect(share.tryHedge(T0 + 60_000, 0.05)).toBe(false);
    for (let index = 0; index < 20; index += 1) share.recordRequest(T0 + 60_000);
    expect(share.tryHedge(T0 + 60_000, 0.05)).toBe(true);
  });

  it('allows every request a hedge at a share of 1, and none at 0', () => {
    const share = new HedgeShare();
    share.recordRequest(T0);
    expect(share.tryHedge(T0, 0)).toBe(false);
    expect(share.tryHedge(T0, 1)).toBe(true);
    expect(share.tryHedge(T0, 1)).toBe(false);
  });
});
