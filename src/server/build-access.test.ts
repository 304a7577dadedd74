import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './build-access.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]'])(
    'counts %s as loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    '0.0.0.0',
    '::',
    '[::]',
    '192.168.1.10',
    '10.0.0.1',
    'localhost.example.com',
    '127.0.0.1.example.com',
    '',
  ])('counts %j as reachable from other machines', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
