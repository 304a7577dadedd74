import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { buildHaystack } from './build-haystack.js';
import { listBuiltInSuites, loadCanarySuites } from './load-canary-suites.js';

const dir = mkdtempSync(join(tmpdir(), 'detour-canaries-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function errorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadCanarySuites', () => {
  it('loads every built-in suite by default, as temperature-0 requests with a small token cap', () => {
    const cases = loadCanarySuites();
    expect(new Set(cases.map((canary) => canary.suite))).toEqual(new Set(listBuiltInSuites()));
    for (const canary of cases) {
      expect(canary.request.temperature).toBe(0);
      expect(canary.request.stream).toBe(false);
      expect(canary.request.maxTokens).toBeLessThanOrEqual(64);
    }
  });

  it('loads only the built-in suites named, and none with builtIn: false', () => {
    const cases = loadCanarySuites({ builtIn: ['primality'] });
    expect(new Set(cases.map((canary) => canary.suite))).toEqual(new Set(['primality']));
    expect(loadCanarySuites({ builtIn: false })).toEqual([]);
    expect(errorOf(() => loadCanarySuites({ builtIn: ['nope'] })).message).toMatch(
      /no built-in canary suite "nope"/,
    );
  });

  it('adds the cases of a user file, its suite named by the file when it has no `suite:`', () => {
    const file = write(
      'mine.yaml',
      `cases:
  - id: greet
    system: Be brief.
    messages:
      - { role: user, content: hi }
      - { role: assistant, content: hello }
      - { role: user, content: "Reply in uppercase: ok" }
    grader: { kind: casing, casing: upper }
`,
    );
    const cases = loadCanarySuites({ builtIn: ['arithmetic'], files: [file] });
    const mine = cases.filter((canary) => canary.suite === 'mine');
    expect(cases.length).toBe(mine.length + loadCanarySuites({ builtIn: ['arithmetic'] }).length);
    expect(mine).toEqual([
      {
        id: 'greet',
        suite: 'mine',
        grader: { kind: 'casing', casing: 'upper' },
        request: expect.objectContaining({
          system: [{ type: 'text', text: 'Be brief.' }],
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'hi' }] },
            { role: 'assistant', content: [{ type: 'text', text: 'hello' }] },
            { role: 'user', content: [{ type: 'text', text: 'Reply in uppercase: ok' }] },
          ],
        }),
      },
    ]);
  });

  it('names file, line and key of a bad grader', () => {
    const file = write(
      'bad.yaml',
      `suite: mine
cases:
  - id: ok
    prompt: Is 7 a prime number?
    grader: { kind: prime, n: 7 }
  - id: broken
    prompt: What is 2 * 3?
    grader:
      kind: number
      expectd: 6
`,
    );
    const error = errorOf(() => loadCanarySuites({ builtIn: false, files: [file] }));
    expect(error.file).toBe(file);
    expect(error.message).toContain(`${file}:8:`);
    expect(error.key).toMatch(/^cases\[1\]\.grader/);
  });

  it('names an unknown grader kind, a case with both prompt and messages, and a duplicate id', () => {
    const unknownKind = write(
      'kind.yaml',
      'cases:\n  - id: a\n    prompt: hi\n    grader: { kind: vibes }\n',
    );
    expect(errorOf(() => loadCanarySuites({ builtIn: false, files: [unknownKind] })).message).toContain(
      'kind.yaml:4:',
    );
    const both = write(
      'both.yaml',
      'cases:\n  - id: a\n    prompt: hi\n    messages: [{ role: user, content: hi }]\n    grader: { kind: exact, expected: hi }\n',
    );
    const bothError = errorOf(() => loadCanarySuites({ builtIn: false, files: [both] }));
    expect(bothError).toMatchObject({ line: 3, key: 'cases[0].prompt' });
    const duplicate = write(
      'dup.yaml',
      'suite: arithmetic\ncases:\n  - id: arith-1\n    prompt: What is 1 + 1?\n    grader: { kind: number, expected: 2 }\n',
    );
    const duplicateError = errorOf(() => loadCanarySuites({ builtIn: ['arithmetic'], files: [duplicate] }));
    expect(duplicateError).toMatchObject({ file: duplicate, line: 3, key: 'cases[0].id' });
  });

  it('names the line of a YAML syntax error', () => {
    const file = write('syntax.yaml', 'cases:\n  - id: a\n    prompt: [unclosed\n');
    const error = errorOf(() => loadCanarySuites({ builtIn: false, files: [file] }));
    expect(error.file).toBe(file);
    expect(error.message).toMatch(/YAML syntax error/);
    expect(error.line).toBeGreaterThanOrEqual(3);
  });

  it('puts a generated haystack with the planted fact before the prompt', () => {
    const file = write(
      'hay.yaml',
      `cases:
  - id: n
    haystack: { seed: 9, tokens: 2000, fact: The door code is 7Q., depth: 0.5 }
    prompt: What is the door code?
    grader: { kind: retrieval, needle: 7Q }
`,
    );
    const [canary] = loadCanarySuites({ builtIn: false, files: [file] });
    const part = canary?.request.messages[0]?.content[0];
    const text = part?.type === 'text' ? part.text : '';
    expect(text.length).toBeGreaterThan(7000);
    expect(text.endsWith('\n\nWhat is the door code?')).toBe(true);
    const at = text.indexOf('The door code is 7Q.');
    expect(at).toBeGreaterThan(text.length * 0.4);
    expect(at).toBeLessThan(text.length * 0.6);
  });
});

describe('buildHaystack', () => {
  it('is the same text for a seed, other text for another seed, and holds the fact once', () => {
    const spec = { seed: 1, tokens: 1000, fact: 'The access code is X1.' };
    expect(buildHaystack(spec)).toBe(buildHaystack(spec));
    expect(buildHaystack({ ...spec, seed: 2 })).not.toBe(buildHaystack(spec));
    expect(buildHaystack(spec).split('The access code is X1.')).toHaveLength(2);
    expect(buildHaystack(spec)).not.toMatch(/\bis\b(?![^.]*X1)/);
  });
});
