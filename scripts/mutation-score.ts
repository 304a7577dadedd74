/**
 * Reads Stryker's JSON report (mutation-testing-report-schema) and computes the mutation score per
 * folder, the way Stryker does: detected (killed + timeout) over valid mutants (detected + survived
 * + no coverage). Compile errors, runtime errors and ignored mutants are not valid and do not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { z } from 'zod';

const position = z.object({ line: z.number(), column: z.number() });

const mutantSchema = z.object({
  id: z.string(),
  mutatorName: z.string(),
  replacement: z.string().optional(),
  location: z.object({ start: position, end: position }),
  status: z.enum([
    'Killed',
    'Survived',
    'NoCoverage',
    'Timeout',
    'CompileError',
    'RuntimeError',
    'Ignored',
    'Pending',
  ]),
  static: z.boolean().optional(),
});

/** The part of Stryker's `mutation.json` this module reads; other fields are ignored. */
export const mutationReportSchema = z.object({
  files: z.record(z.string(), z.object({ source: z.string(), mutants: z.array(mutantSchema) })),
});

export type MutationReport = z.infer<typeof mutationReportSchema>;
export type MutantResult = z.infer<typeof mutantSchema>;
export type MutantStatus = MutantResult['status'];

/** Mutant counts of a folder (or of the whole report) and the score they make. */
export interface FolderScore {
  folder: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Compile errors, runtime errors and ignored mutants: not part of the score. */
  invalid: number;
  /** killed + timeout + survived + noCoverage. */
  valid: number;
  /** (killed + timeout) / valid × 100; null when there is no valid mutant. */
  score: number | null;
}

/** A mutant the tests did not detect, for the list of tests to write. */
export interface Survivor {
  line: number;
  column: number;
  mutatorName: string;
  status: 'Survived' | 'NoCoverage';
  /** The replacement on one line, shortened. */
  replacement: string;
}

/** The folder a file is scored under: the longest root that contains it, else its own directory. */
export function folderOf(fileName: string, roots: readonly string[]): string {
  const normalised = fileName.replaceAll('\\', '/');
  const root = roots
    .filter((candidate) => normalised.startsWith(`${candidate}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (root !== undefined) return root;
  const slash = normalised.lastIndexOf('/');
  return slash === -1 ? '.' : normalised.slice(0, slash);
}

function emptyScore(folder: string): FolderScore {
  return { folder, killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0, valid: 0, score: null };
}

function count(score: FolderScore, status: MutantStatus): void {
  switch (status) {
    case 'Killed':
      score.killed += 1;
      break;
    case 'Timeout':
      score.timeout += 1;
      break;
    case 'Survived':
      score.survived += 1;
      break;
    case 'NoCoverage':
      score.noCoverage += 1;
      break;
    case 'CompileError':
    case 'RuntimeError':
    case 'Ignored':
    // A pending mutant was never run (an interrupted report): it proves nothing either way.
    case 'Pending':
      score.invalid += 1;
      break;
    default: {
      const unknown: never = status;
      throw new Error(`unknown mutant status ${String(unknown)}`);
    }
  }
}

function finish(score: FolderScore): FolderScore {
  const detected = score.killed + score.timeout;
  const valid = detected + score.survived + score.noCoverage;
  return { ...score, valid, score: valid === 0 ? null : (detected / valid) * 100 };
}

/** Scores per folder, sorted by folder name, and the overall score. */
export function scoreByFolder(
  report: MutationReport,
  roots: readonly string[],
): { folders: FolderScore[]; overall: FolderScore } {
  const folders = new Map<string, FolderScore>();
  const overall = emptyScore('overall');
  for (const [fileName, file] of Object.entries(report.files)) {
    const folder = folderOf(fileName, roots);
    const score = folders.get(folder) ?? emptyScore(folder);
    folders.set(folder, score);
    for (const mutant of file.mutants) {
      count(score, mutant.status);
      count(overall, mutant.status);
    }
  }
  return {
    folders: [...folders.values()].map(finish).sort((a, b) => a.folder.localeCompare(b.folder)),
    overall: finish(overall),
  };
}

const REPLACEMENT_LIMIT = 60;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > REPLACEMENT_LIMIT ? `${flat.slice(0, REPLACEMENT_LIMIT - 1)}…` : flat;
}

/** Undetected mutants per file (sorted by file, then line), for the files under `folders`. */
export function survivorsByFile(
  report: MutationReport,
  roots: readonly string[],
  folders: ReadonlySet<string>,
): Map<string, Survivor[]> {
  const result = new Map<string, Survivor[]>();
  for (const fileName of Object.keys(report.files).sort()) {
    if (!folders.has(folderOf(fileName, roots))) continue;
    const survivors: Survivor[] = [];
    for (const mutant of report.files[fileName]?.mutants ?? []) {
      if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') continue;
      survivors.push({
        line: mutant.location.start.line,
        column: mutant.location.start.column,
        mutatorName: mutant.mutatorName,
        status: mutant.status,
        replacement: oneLine(mutant.replacement ?? ''),
      });
    }
    survivors.sort((a, b) => a.line - b.line || a.column - b.column);
    if (survivors.length > 0) result.set(fileName, survivors);
  }
  return result;
}

/** One `*-onMutantTested.json` file of Stryker's event-recorder reporter: a mutant and its file. */
const testedEventSchema = mutantSchema.extend({ fileName: z.string() });

/**
 * A report made of the event-recorder reporter's per-mutant files in `dir`: what a run measured
 * up to where it stopped. File names are made relative to the folder above `src/` (the events carry
 * the sandbox's absolute paths).
 */
export function reportFromEvents(dir: string): MutationReport {
  const report: MutationReport = { files: {} };
  for (const name of readdirSync(dir).filter((entry) => entry.endsWith('-onMutantTested.json'))) {
    const mutant = testedEventSchema.parse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    const at = mutant.fileName.lastIndexOf(`${sep}src${sep}`);
    const fileName = (at < 0 ? mutant.fileName : mutant.fileName.slice(at + 1)).split(sep).join('/');
    const file = report.files[fileName] ?? { source: '', mutants: [] };
    const { fileName: _, ...result } = mutant;
    file.mutants.push(result);
    report.files[fileName] = file;
  }
  return report;
}
