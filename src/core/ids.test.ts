import { describe, expect, it } from 'vitest';
import { newId, newRequestId } from './ids.js';

describe('newRequestId', () => {
  it('is req_ and 24 hex digits: the creation time, then random bits', () => {
    const id = newRequestId(Date.UTC(2026, 10, 30));
    expect(id).toMatch(/^req_[0-9a-f]{24}$/);
    expect(Number.parseInt(id.slice(4, 16), 16)).toBe(Date.UTC(2026, 10, 30));
  });

  it('sorts later ids after earlier ones, and ids of one millisecond apart from each other', () => {
    const at = Date.UTC(2026, 10, 30, 12);
    const ids = [at, at + 1, at + 1_000, at + 86_400_000].map((now) => newRequestId(now));
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 1_000 }, () => newRequestId(at)));
    expect(same.size).toBe(1_000);
  });
});

describe('newId', () => {
  it('is the prefix, a dash and 24 hex digits, never the same twice', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newId('inc')));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^inc-[0-9a-f]{24}$/);
  });
});
