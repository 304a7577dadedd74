import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  folderOf,
  type MutantResult,
  type MutantStatus,
  type MutationReport,
  reportFromEvents,
  scoreByFolder,
  survivorsByFile,
} from './mutation-score.js';

const ROOTS = ['src/health', 'src/server/routes'];

function mutant(status: MutantStatus, line = 1, replacement = 'false'): MutantResult {
  return {
    id: `${status}-${line}`,
    mutatorName: 'ConditionalExpression',
    replacement,
    location: { start: { line, column: 3 }, end: { line, column: 9 } },
    status,
  };
}

function report(files: Record<string, MutantResult[]>): MutationReport {
  return {
    files: Object.fromEntries(
      Object.entries(files).map(([name, mutants]) => [name, { source: '', mutants }]),
    ),
  };
}

describe('folderOf', () => {
  it('picks the longest configured root that contains the file', () => {
    expect(folderOf('src/server/routes/chat.ts', ['src/server', 'src/server/routes'])).toBe(
      'src/server/routes',
    );
    expect(folderOf('src/health/window/outcome.ts', ROOTS)).toBe('src/health');
  });

  it("falls back to the file's own directory", () => {
    expect(folderOf('src/core/clock.ts', ROOTS)).toBe('src/core');
    expect(folderOf('src/healthy/x.ts', ROOTS)).toBe('src/healthy');
  });
});

describe('scoreByFolder', () => {
  it('scores killed and timed-out mutants over the valid ones, leaving out compile and runtime errors', () => {
    const { folders, overall } = scoreByFolder(
      report({
        'src/health/a.ts': [
          mutant('Killed'),
          mutant('Killed'),
          mutant('Timeout'),
          mutant('Survived'),
          mutant('NoCoverage'),
          mutant('CompileError'),
          mutant('RuntimeError'),
          mutant('Ignored'),
        ],
        'src/server/routes/b.ts': [mutant('Killed'), mutant('Survived')],
      }),
      ROOTS,
    );
    expect(folders.map((folder) => [folder.folder, folder.valid, folder.invalid, folder.score])).toEqual([
      ['src/health', 5, 3, 60],
      ['src/server/routes', 2, 0, 50],
    ]);
    expect(overall).toMatchObject({ killed: 3, timeout: 1, survived: 2, noCoverage: 1, valid: 7 });
    expect(overall.score).toBeCloseTo((4 / 7) * 100);
  });

  it('has no score for a folder without valid mutants', () => {
    const { folders } = scoreByFolder(report({ 'src/health/types.ts': [mutant('CompileError')] }), ROOTS);
    expect(folders[0]?.score).toBeNull();
  });
});

describe('survivorsByFile', () => {
  it('lists the undetected mutants of the chosen folders by line, on one shortened line each', () => {
    const long = `{\n  ${'x'.repeat(100)}\n}`;
    const survivors = survivorsByFile(
      report({
        'src/health/a.ts': [mutant('Survived', 9), mutant('Killed', 2), mutant('NoCoverage', 4, long)],
        'src/server/routes/b.ts': [mutant('Survived', 1)],
      }),
      ROOTS,
      new Set(['src/health']),
    );
    expect([...survivors.keys()]).toEqual(['src/health/a.ts']);
    const listed = survivors.get('src/health/a.ts') ?? [];
    expect(listed.map((survivor) => [survivor.line, survivor.status])).toEqual([
      [4, 'NoCoverage'],
      [9, 'Survived'],
    ]);
    expect(listed[0]?.replacement).toMatch(/^\{ x+…$/);
    expect(listed[0]?.replacement).toHaveLength(60);
  });
});

describe('reportFromEvents', () => {
  it("builds a report from the event-recorder's per-mutant files, paths relative to src/", () => {
    const dir = mkdtempSync(join(tmpdir(), 'detour-events-'));
    try {
      const sandbox = '/work/x/.stryker-tmp/sandbox-1';
      const event = (index: number, fileName: string, result: MutantResult) =>
        writeFileSync(
          join(dir, `0000${index}-onMutantTested.json`),
          JSON.stringify({ ...result, fileName, coveredBy: ['t1'] }),
        );
      event(1, `${sandbox}/src/health/a.ts`, mutant('Killed', 1));
      event(2, `${sandbox}/src/health/a.ts`, mutant('Survived', 2));
      event(3, 'src/server/routes/b.ts', mutant('Timeout', 3));
      writeFileSync(join(dir, '00000-onDryRunCompleted.json'), '{}');
      const built = reportFromEvents(dir);
      expect(Object.keys(built.files).sort()).toEqual(['src/health/a.ts', 'src/server/routes/b.ts']);
      expect(built.files['src/health/a.ts']?.mutants.map((one) => one.status)).toEqual([
        'Killed',
        'Survived',
      ]);
      expect(built.files['src/health/a.ts']?.mutants[0]).not.toHaveProperty('fileName');
      expect(scoreByFolder(built, ROOTS).overall).toMatchObject({ killed: 1, timeout: 1, survived: 1 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
