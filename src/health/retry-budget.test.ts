import { describe, expect, it } from 'vitest';
import { RetryBudget } from './retry-budget.js';

const START = 1_700_000_000_000;

function acquireAll(budget: RetryBudget, now: number): number {
  let acquired = 0;
  while (budget.tryAcquire(now)) acquired += 1;
  return acquired;
}

describe('RetryBudget', () => {
  it('allows 3 concurrent retries at its floor, with no traffic', () => {
    const budget = new RetryBudget();
    expect(acquireAll(budget, START)).toBe(3);
    expect(budget.stats(START)).toEqual({ requests: 0, activeRetries: 3, limit: 3, rejected: 1 });
    budget.release();
    expect(budget.tryAcquire(START)).toBe(true);
  });

  it('allows 10 % of the requests of the last 60 s once that is above the floor', () => {
    const budget = new RetryBudget();
    for (let index = 0; index < 100; index++) budget.recordRequest(START + index * 100);
    const now = START + 10_000;
    expect(acquireAll(budget, now)).toBe(10);
    expect(budget.stats(now)).toMatchObject({ requests: 100, limit: 10, activeRetries: 10 });
  });

  it('rounds a fractional allowance down', () => {
    const budget = new RetryBudget();
    for (let index = 0; index < 45; index++) budget.recordRequest(START);
    expect(acquireAll(budget, START)).toBe(4);
  });

  it('falls back to the floor when the requests leave the window', () => {
    const budget = new RetryBudget();
    for (let index = 0; index < 100; index++) budget.recordRequest(START);
    expect(budget.stats(START + 59_999).limit).toBe(10);
    expect(budget.stats(START + 60_000).limit).toBe(3);
  });

  it('takes its ratio, floor and window from the options', () => {
    const budget = new RetryBudget({ ratio: 0.5, minConcurrent: 1, windowMs: 2000 });
    expect(acquireAll(budget, START)).toBe(1);
    for (let index = 0; index < 4; index++) budget.recordRequest(START);
    expect(acquireAll(budget, START)).toBe(1);
    expect(budget.stats(START + 2000).limit).toBe(1);
  });

  it('applies a new ratio and floor to the requests and retries it already counts', () => {
    const budget = new RetryBudget({ ratio: 0.1, minConcurrent: 1 });
    for (let index = 0; index < 20; index++) budget.recordRequest(START);
    expect(acquireAll(budget, START)).toBe(2);
    budget.configure({ ratio: 0.25 });
    expect(acquireAll(budget, START)).toBe(3);
    budget.configure({ minConcurrent: 9 });
    expect(budget.stats(START)).toMatchObject({ requests: 20, activeRetries: 5, limit: 9 });
  });

  it('ignores a release with no retry in flight: it never frees a slot it did not take', () => {
    const budget = new RetryBudget();
    budget.release();
    expect(budget.stats(START).activeRetries).toBe(0);
    expect(acquireAll(budget, START)).toBe(3);
  });
});
