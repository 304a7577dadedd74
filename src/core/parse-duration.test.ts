import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from './index.js';

describe('parseDuration', () => {
  it('reads ms, s, m, h and d, and plain numbers as milliseconds', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration(1200)).toBe(1200);
    expect(parseDuration('1200')).toBe(1200);
  });

  it('rejects anything else', () => {
    for (const bad of ['30 seconds', '5w', 's', '-1s', '', '1e3ms'])
      expect(parseDuration(bad)).toBeUndefined();
    expect(parseDuration(-5)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });
});

describe('parseSize', () => {
  it('reads binary multiples and plain bytes', () => {
    expect(parseSize('20mb')).toBe(20 * 1024 * 1024);
    expect(parseSize('512KB')).toBe(512 * 1024);
    expect(parseSize('1gib')).toBe(1024 ** 3);
    expect(parseSize('100b')).toBe(100);
    expect(parseSize(4096)).toBe(4096);
  });

  it('rejects anything else', () => {
    for (const bad of ['20 megabytes', 'mb', '-1kb']) expect(parseSize(bad)).toBeUndefined();
    expect(parseSize(1.5)).toBeUndefined();
  });
});
