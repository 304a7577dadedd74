import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordReads } from './record-reads.js';
import { formatKeyPattern, type KeySegment, readsUnder, schemaKeyPaths } from './schema-key-paths.js';

describe('recordReads', () => {
  it('records reads by name, `in` checks and array elements, with their paths', () => {
    const { value, paths } = recordReads({ server: { port: 1 }, list: [{ url: 'u' }] });
    void value.server.port;
    void ('adminKey' in value.server);
    for (const item of value.list) void item.url;
    const seen = paths.map((path) => path.join('.'));
    expect(seen).toContain('server.port');
    expect(seen).toContain('server.adminKey');
    expect(seen).toContain('list.0.url');
  });

  it('does not count copies and serialisation as reads, but still sees reads under them', () => {
    const { value, paths } = recordReads({ a: { x: 1 }, b: { y: 2 }, c: { z: 3 }, d: { inner: { w: 4 } } });
    const copy = { ...value.a };
    JSON.stringify(value.b);
    Object.entries(value.c);
    for (const [, section] of Object.entries(value.d)) void section.w;
    const seen = paths.map((path) => path.join('.'));
    expect(copy).toEqual({ x: 1 });
    expect(seen).not.toContain('a.x');
    expect(seen).not.toContain('b.y');
    expect(seen).not.toContain('c.z');
    expect(seen).toContain('d.inner.w');
  });
});

describe('schemaKeyPaths', () => {
  it('lists leaves through objects, records and arrays; reshaped objects are one leaf; never is none', () => {
    const schema = z.strictObject({
      port: z.preprocess((input) => input, z.number()).default(1),
      hosts: z.record(
        z.string(),
        z.strictObject({ url: z.string(), headers: z.record(z.string(), z.string()) }),
      ),
      hooks: z.array(z.strictObject({ events: z.array(z.string()) })).default([]),
      store: z
        .strictObject({ path: z.string() })
        .transform((store) => ({ type: 'file', location: store.path }))
        .optional(),
      refused: z.never().optional(),
    });
    expect(schemaKeyPaths(schema).map(formatKeyPattern)).toEqual([
      'port',
      'hosts.<name>.url',
      'hosts.<name>.headers',
      'hooks[].events',
      'store',
    ]);
  });

  it('matches a read path at or under a pattern, any key for a record and any index for an array', () => {
    const url: KeySegment[] = ['hosts', { record: true }, 'url'];
    const events: KeySegment[] = ['hooks', { array: true }, 'events'];
    expect(readsUnder(['hosts', 'a', 'url'], url)).toBe(true);
    expect(readsUnder(['hosts', 'a'], url)).toBe(false);
    expect(readsUnder(['hooks', 0, 'events', 'includes'], events)).toBe(true);
    expect(readsUnder(['hooks', 'x', 'events'], events)).toBe(false);
  });
});
