/**
 * `npm run test:mutation:summary [-- --report <mutation.json> ...] [--events <dir> ...] [--survivors-below <percent>]`
 * (without --report or --events: every JSON report in reports/mutation/). `--events` reads the
 * per-mutant results the event-recorder reporter wrote: all there is of a run stopped before its end.
 *
 * Prints, as Markdown for TESTING.md, the mutation score per folder and overall from Stryker's JSON
 * report (several reports of narrowed runs are merged, a later one winning for a file in both), then the undetected mutants (file:line, mutator, replacement) of every folder whose score
 * is below the given percentage (default 80; 0 lists none).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  type FolderScore,
  type MutationReport,
  mutationReportSchema,
  reportFromEvents,
  scoreByFolder,
  survivorsByFile,
} from './mutation-score.js';

const { values } = parseArgs({
  options: {
    report: { type: 'string', multiple: true },
    events: { type: 'string', multiple: true },
    'survivors-below': { type: 'string', default: '80' },
  },
});
const threshold = Number(values['survivors-below']);
if (!Number.isFinite(threshold))
  throw new Error(`--survivors-below wants a number, got ${values['survivors-below']}`);

// The folders are the ones stryker.config.mjs mutates, so the two cannot drift apart.
const strykerConfig = z
  .object({ default: z.object({ mutate: z.array(z.string()) }) })
  .parse(await import(pathToFileURL(resolve('stryker.config.mjs')).href));
const roots = strykerConfig.default.mutate
  .filter((pattern) => !pattern.startsWith('!'))
  .map((pattern) => pattern.replace(/\/\*\*.*$/, ''));

const report: MutationReport = { files: {} };
// By default every report in reports/mutation/: the whole run's and the per-folder ones, oldest first
// so that the newest measurement of a file wins. None by default when events are read.
const everyReport = (): string[] =>
  readdirSync('reports/mutation')
    .filter((name) => name.endsWith('.json'))
    .map((name) => `reports/mutation/${name}`)
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
const reportFiles = values.report ?? (values.events === undefined ? everyReport() : []);
for (const fileName of reportFiles) {
  const parsed = mutationReportSchema.parse(JSON.parse(readFileSync(fileName, 'utf8')));
  Object.assign(report.files, parsed.files);
}
for (const dir of values.events ?? []) Object.assign(report.files, reportFromEvents(dir).files);
const { folders, overall } = scoreByFolder(report, roots);
if (values.events !== undefined) {
  const tested = Object.values(report.files).reduce((total, file) => total + file.mutants.length, 0);
  process.stdout.write(`From events: ${tested} mutants tested so far.\n\n`);
}

function percent(score: FolderScore): string {
  return score.score === null ? 'n/a' : `${score.score.toFixed(1)} %`;
}

function row(score: FolderScore, bold: boolean): string {
  const name = bold ? `**${score.folder}**` : score.folder;
  const value = bold ? `**${percent(score)}**` : percent(score);
  return `| ${name} | ${value} | ${score.killed} | ${score.timeout} | ${score.survived} | ${score.noCoverage} | ${score.invalid} |`;
}

/** Inline code whose fence is longer than any run of backticks inside (CommonMark). */
function code(text: string): string {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return longestRun === 0 ? `${fence}${text}${fence}` : `${fence} ${text} ${fence}`;
}

const lines = [
  '| folder | score | killed | timeout | survived | no coverage | invalid |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...folders.map((score) => row(score, false)),
  row(overall, true),
];

const weak = new Set(
  folders.filter((score) => score.score !== null && score.score < threshold).map((score) => score.folder),
);
if (weak.size > 0) {
  lines.push('', `Undetected mutants in folders below ${threshold} % (line:column mutator → replacement):`);
  for (const [fileName, survivors] of survivorsByFile(report, roots, weak)) {
    lines.push('', `#### ${fileName} (${survivors.length})`);
    for (const survivor of survivors) {
      const note = survivor.status === 'NoCoverage' ? ' (no test runs it)' : '';
      lines.push(
        `- ${survivor.line}:${survivor.column} ${survivor.mutatorName} → ${code(survivor.replacement)}${note}`,
      );
    }
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
