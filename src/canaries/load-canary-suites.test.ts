import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.js';
import { buildHaystack } from './build-haystack.js';
import { BUILT_IN_SUITES_DIR, listBuiltInSuites, loadCanarySuites } from './load-canary-suites.js';

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

describe('listBuiltInSuites', () => {
  it('names the YAML files of the built-in folder, sorted, without their extension', () => {
    expect(listBuiltInSuites()).toEqual([
      'arithmetic',
      'charset',
      'instructions',
      'json',
      'long-context',
      'primality',
      'tools',
    ]);
  });
});

describe('loadCanarySuites errors', () => {
  it('names every unknown built-in suite and lists the ones there are', () => {
    const error = errorOf(() => loadCanarySuites({ builtIn: ['json', 'nope', 'vibes'] }));
    expect(error.issues).toStrictEqual([
      {
        file: BUILT_IN_SUITES_DIR,
        line: undefined,
        column: undefined,
        key: '',
        message:
          'no built-in canary suite "nope" (there are: arithmetic, charset, instructions, json, long-context, primality, tools)',
      },
      {
        file: BUILT_IN_SUITES_DIR,
        line: undefined,
        column: undefined,
        key: '',
        message:
          'no built-in canary suite "vibes" (there are: arithmetic, charset, instructions, json, long-context, primality, tools)',
      },
    ]);
  });

  it('names a file it cannot read', () => {
    const missing = join(dir, 'missing.yaml');
    const error = errorOf(() => loadCanarySuites({ builtIn: false, files: [missing] }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ file: missing, line: undefined, column: undefined, key: '' });
    expect(error.issues[0]?.message).toMatch(/^cannot read: ENOENT/);
  });

  it('gives the line, column and key of a YAML syntax error, also at the very end of the text', () => {
    const file = write('broken.yaml', 'cases:\n  - id: a\n    prompt: "unclosed\n');
    const error = errorOf(() => loadCanarySuites({ builtIn: false, files: [file] }));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.message).toMatch(/^YAML syntax error: /);
    // The quote never closes: the error sits at the end of the text, after the last newline.
    expect(error).toMatchObject({ file, line: 4, column: 1 });
    expect(error.key).toBe('cases[0].prompt');
  });

  it('names a duplicate id within one file, at the second case', () => {
    const file = write(
      'twice.yaml',
      'cases:\n  - id: a\n    prompt: hi\n    grader: { kind: exact, expected: hi }\n  - id: a\n    prompt: ho\n    grader: { kind: exact, expected: ho }\n',
    );
    const error = errorOf(() => loadCanarySuites({ builtIn: false, files: [file] }));
    expect(error.issues).toStrictEqual([
      { file, line: 5, column: 5, key: 'cases[1].id', message: 'duplicate case id in suite twice' },
    ]);
  });

  it('allows the same id in another suite', () => {
    const first = write(
      'one.yaml',
      'cases:\n  - id: a\n    prompt: hi\n    grader: { kind: exact, expected: hi }\n',
    );
    const second = write(
      'two.yaml',
      'cases:\n  - id: a\n    prompt: hi\n    grader: { kind: exact, expected: hi }\n',
    );
    expect(
      loadCanarySuites({ builtIn: false, files: [first, second] }).map(
        (canary) => `${canary.suite}/${canary.id}`,
      ),
    ).toEqual(['one/a', 'two/a']);
  });

  it('names each rule a case breaks', () => {
    const messageOf = (name: string, body: string) =>
      errorOf(() => loadCanarySuites({ builtIn: false, files: [write(name, body)] })).issues.map(
        (issue) => `${issue.key}: ${issue.message}`,
      );
    expect(
      messageOf('neither.yaml', 'cases:\n  - id: a\n    grader: { kind: exact, expected: hi }\n'),
    ).toEqual(['cases[0].prompt: give exactly one of `prompt` and `messages`']);
    expect(
      messageOf(
        'hay-messages.yaml',
        'cases:\n  - id: a\n    messages: [{ role: user, content: hi }]\n    haystack: { seed: 1, tokens: 100, fact: x }\n    grader: { kind: exact, expected: hi }\n',
      ),
    ).toEqual(['cases[0].haystack: `haystack` needs `prompt`']);
    expect(
      messageOf(
        'last.yaml',
        'cases:\n  - id: a\n    messages: [{ role: user, content: hi }, { role: assistant, content: ho }]\n    grader: { kind: exact, expected: hi }\n',
      ),
    ).toEqual(['cases[0].messages: the last message must be from the user']);
    expect(
      messageOf(
        'choice.yaml',
        'cases:\n  - id: a\n    prompt: hi\n    tools: [{ name: t, parameters: {} }]\n    toolChoice: { name: u }\n    grader: { kind: tool_call, name: u }\n',
      ),
    ).toEqual(['cases[0].toolChoice.name: not one of `tools`']);
    expect(
      messageOf(
        'choice-none.yaml',
        'cases:\n  - id: a\n    prompt: hi\n    toolChoice: { name: u }\n    grader: { kind: tool_call, name: u }\n',
      ),
    ).toEqual(['cases[0].toolChoice.name: not one of `tools`']);
  });
});

describe('loadCanarySuites requests', () => {
  it('builds the whole request of a case: system, tools with and without description, tool choice and format', () => {
    const file = write(
      'full.yaml',
      `suite: custom-name
description: every field
cases:
  - id: call
    system: Use the tool.
    prompt: Weather in Oslo?
    tools:
      - { name: weather, description: Looks it up., parameters: { type: object } }
      - { name: clock, parameters: { type: object } }
    toolChoice: { name: weather }
    maxTokens: 20
    grader: { kind: tool_call, name: weather }
  - id: json
    prompt: Give JSON.
    responseFormat: { type: json_schema, name: answer, schema: { type: object } }
    toolChoice: auto
    grader: { kind: json_schema }
`,
    );
    const cases = loadCanarySuites({ builtIn: false, files: [file] });
    expect(cases).toStrictEqual([
      {
        id: 'call',
        suite: 'custom-name',
        grader: { kind: 'tool_call', name: 'weather' },
        request: {
          model: '',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }] }],
          maxTokens: 20,
          temperature: 0,
          stream: false,
          metadata: {},
          vendorOptions: {},
          system: [{ type: 'text', text: 'Use the tool.' }],
          tools: [
            { name: 'weather', description: 'Looks it up.', parameters: { type: 'object' } },
            { name: 'clock', parameters: { type: 'object' } },
          ],
          toolChoice: { type: 'tool', name: 'weather' },
        },
      },
      {
        id: 'json',
        suite: 'custom-name',
        grader: { kind: 'json_schema' },
        request: {
          model: '',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'Give JSON.' }] }],
          maxTokens: 64,
          temperature: 0,
          stream: false,
          metadata: {},
          vendorOptions: {},
          toolChoice: { type: 'auto' },
          responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object' } },
        },
      },
    ]);
  });

  it('puts the haystack and two blank lines before the prompt', () => {
    const file = write(
      'hay-exact.yaml',
      'cases:\n  - id: n\n    haystack: { seed: 4, tokens: 100, fact: The code is Z9. }\n    prompt: Code?\n    grader: { kind: retrieval, needle: Z9 }\n',
    );
    const [canary] = loadCanarySuites({ builtIn: false, files: [file] });
    expect(canary?.request.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          {
            type: 'text',
            text: `${buildHaystack({ seed: 4, tokens: 100, fact: 'The code is Z9.' })}\n\nCode?`,
          },
        ],
      },
    ]);
  });
});

describe('buildHaystack layout', () => {
  it('writes at least four characters a token, in paragraphs of eight sentences, the fact at its depth', () => {
    const text = buildHaystack({ seed: 3, tokens: 500, fact: 'FACT.', depth: 0 });
    expect(text.startsWith('FACT. The ')).toBe(true);
    const paragraphs = text.split('\n\n');
    for (const paragraph of paragraphs.slice(0, -1)) expect(paragraph.split('. ').length).toBe(8);
    const sentences = text.replace(/\n\n/g, ' ').split(/(?<=\.) /);
    const filler = sentences.filter((sentence) => sentence !== 'FACT.');
    const fillerChars = filler.reduce((sum, sentence) => sum + sentence.length + 1, 0);
    expect(fillerChars).toBeGreaterThanOrEqual(2000);
    // Just enough: one sentence fewer would not reach 2,000 characters.
    expect(fillerChars - (filler.at(-1)?.length ?? 0) - 1).toBeLessThan(2000);
    for (const sentence of filler)
      expect(sentence).toMatch(/^The [a-z]+ [a-z]+ [a-z]+ the [a-z]+ [a-z ]+\.$/);
    expect(buildHaystack({ seed: 3, tokens: 500, fact: 'FACT.', depth: 1 }).endsWith(' FACT.')).toBe(true);
    const middle = buildHaystack({ seed: 3, tokens: 500, fact: 'FACT.' });
    const at = middle
      .replace(/\n\n/g, ' ')
      .split(/(?<=\.) /)
      .indexOf('FACT.');
    expect(at).toBe(Math.round(filler.length / 2));
  });
});

describe('buildHaystack lengths', () => {
  // The filler of a seed is the same sequence whatever the length: read it from a long haystack.
  const sentencesOf = (text: string) => text.replace(/\n\n/g, ' ').split(/(?<=\.) /);
  const filler = sentencesOf(buildHaystack({ seed: 5, tokens: 3000, fact: 'F.', depth: 1 })).slice(0, -1);
  let total = 0;
  /** Characters counted after each filler sentence (its length and a space). */
  const counted = filler.map((sentence) => {
    total += sentence.length + 1;
    return total;
  });

  it('stops as soon as the filler reaches four characters a token', () => {
    const index = counted.findIndex((chars, at) => at > 10 && chars % 4 === 0);
    expect(index).toBeGreaterThan(0);
    const tokens = (counted[index] as number) / 4;
    const text = buildHaystack({ seed: 5, tokens, fact: 'F.', depth: 1 });
    expect(sentencesOf(text)).toHaveLength(index + 2);
  });

  it('makes no empty paragraph when the sentences fill the last one exactly, and rounds the depth', () => {
    // 23 filler sentences and the fact: three full paragraphs.
    const tokens = Math.floor((counted[21] as number) / 4) + 1;
    expect(tokens * 4).toBeLessThanOrEqual(counted[22] as number);
    const text = buildHaystack({ seed: 5, tokens, fact: 'F.' });
    expect(text.split('\n\n')).toHaveLength(3);
    expect(text.endsWith('.')).toBe(true);
    // Depth 0.5 of 23 sentences is 11.5: the fact goes after 12 of them.
    expect(sentencesOf(text).indexOf('F.')).toBe(12);
  });
});
