import { parseArgs } from 'node:util';
import type { DeploymentQualityStatus, PassiveSnapshot } from '../canaries/index.js';
import { formatTable, getAdmin, printJson } from './admin-client.js';
import { EXIT } from './exit-codes.js';

const OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** `GET /admin/quality`'s answer. */
interface QualityAnswer {
  canaries: 'on' | 'off';
  deployments: Array<{
    deployment: string;
    models: string[];
    canaries: DeploymentQualityStatus | null;
    passive: PassiveSnapshot | null;
  }>;
}

/** `detour quality [DEPLOYMENT] [--json]`: canary statistics and passive signals per deployment. */
export async function runQuality(argv: string[]): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`detour quality: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    process.stderr.write('detour quality: give at most one DEPLOYMENT\n');
    return EXIT.usage;
  }
  const result = await getAdmin<QualityAnswer>('quality', values, '/admin/quality');
  if (!result.ok) return result.exitCode;
  const [only] = positionals;
  const rows = result.body.deployments.filter((row) => only === undefined || row.deployment === only);
  if (only !== undefined && rows.length === 0) {
    process.stderr.write(`detour quality: no configured deployment "${only}"\n`);
    return EXIT.notFound;
  }
  if (values.json === true) {
    printJson({ canaries: result.body.canaries, deployments: rows });
    return EXIT.ok;
  }
  const table = formatTable(
    [
      'DEPLOYMENT',
      'CANARIES',
      'PASS RATE',
      'BASELINE',
      'ANSWERS',
      'CUT OFF',
      'EMPTY',
      'BAD JSON',
      'BAD TOOL ARGS',
    ],
    rows.map((row) => {
      const canaries = row.canaries;
      const passive = row.passive;
      return [
        row.deployment,
        canaries === null
          ? '-'
          : canaries.alarm === undefined
            ? canaries.phase
            : `ALARM (${canaries.alarm.attribution})`,
        canaries === null || canaries.current.graded === 0
          ? '-'
          : `${percent(canaries.current.passRate)} of ${canaries.current.graded}`,
        canaries?.baseline === undefined ? '-' : percent(canaries.baseline.p0),
        passive === null ? '0' : String(passive.answers),
        passive === null ? '-' : percent(passive.lengthShare),
        passive === null ? '-' : percent(passive.emptyShare),
        passive === null || passive.jsonAnswers === 0 ? '-' : percent(passive.jsonInvalidShare),
        passive === null || passive.toolCalls === 0 ? '-' : percent(passive.toolInvalidShare),
      ];
    }),
  );
  process.stdout.write(`canaries: ${result.body.canaries}\n${table}`);
  return EXIT.ok;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
