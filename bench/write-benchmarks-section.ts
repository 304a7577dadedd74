import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = join(import.meta.dirname, '..', 'BENCHMARKS.md');

const HEADER = `# Benchmarks

Written by the harnesses in \`bench/\`; each section says the command that produced it. Figures are
from one run on the machine named in the section: rerun the command to reproduce them.
`;

/**
 * Replaces one marked section of BENCHMARKS.md (`<!-- name:start -->` … `<!-- name:end -->`),
 * appending it when absent, so each harness owns its part of the file.
 */
export function writeBenchmarksSection(name: string, markdown: string): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? `${current.slice(0, from)}${block}${current.slice(to + end.length)}`
      : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(FILE, next);
}
