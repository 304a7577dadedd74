import { parseArgs } from 'node:util';
import type { DeploymentHealthRow } from '../server/index.js';
import { formatTable, getAdmin, printJson } from './admin-client.js';
import { EXIT } from './exit-codes.js';

export const HEALTH_OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
  check: { type: 'boolean' },
} as const;

/**
 * Whether a deployment takes its full share of traffic: breaker closed, not demoted, slow, drained,
 * disabled or cooling down after a rate limit. A ramp after a restore counts as healthy (the breaker
 * closed; only the share of traffic is still growing).
 */
export function isHealthy(row: DeploymentHealthRow, now: number): boolean {
  const status = row.status;
  return (
    status.state === 'closed' &&
    !status.drained &&
    status.disabled === undefined &&
    !status.demoted &&
    !status.degraded &&
    (status.coolingUntil === undefined || status.coolingUntil <= now)
  );
}

/**
 * `detour health [MODEL|DEPLOYMENT] [--check]` (alias `detour status`): the live health of every
 * deployment of a running Detour, or of one deployment or one model's deployments. With `--check`
 * it exits 6 when any deployment shown is not {@link isHealthy}, for cron and CI probes.
 */
export async function runHealth(argv: string[], command = 'health'): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: HEALTH_OPTIONS, allowPositionals: true });
  if (positionals.length > 1) {
    process.stderr.write(
      `detour ${command}: takes at most one MODEL or DEPLOYMENT, got ${positionals.length}\n`,
    );
    return EXIT.usage;
  }
  const result = await getAdmin<{ now: number; deployments: DeploymentHealthRow[] }>(
    command,
    values,
    '/admin/health',
  );
  if (!result.ok) return result.exitCode;
  const { now } = result.body;
  const wanted = positionals[0];
  const deployments =
    wanted === undefined
      ? result.body.deployments
      : result.body.deployments.filter((row) => row.deployment === wanted || row.models.includes(wanted));
  if (deployments.length === 0 && wanted !== undefined) {
    process.stderr.write(`detour ${command}: no configured model or deployment named '${wanted}'\n`);
    return EXIT.notFound;
  }
  if (values.json === true) printJson({ now, deployments });
  else process.stdout.write(formatHealthTable(deployments, now));
  if (values.check !== true) return EXIT.ok;
  const unhealthy = deployments.filter((row) => !isHealthy(row, now));
  if (unhealthy.length === 0) return EXIT.ok;
  process.stderr.write(
    `detour ${command}: not healthy: ${unhealthy.map((row) => `${row.deployment} (${describeState(row, now)})`).join(', ')}\n`,
  );
  return EXIT.unhealthy;
}

/** A deployment's state in a few words: `open 12s, drained`. */
export function describeState(row: DeploymentHealthRow, now: number): string {
  const status = row.status;
  const flags: string[] = [];
  if (status.drained) flags.push('drained');
  if (status.forced) flags.push('forced');
  if (status.disabled !== undefined) flags.push(`disabled (${status.disabled})`);
  if (status.coolingUntil !== undefined) flags.push(`cooling ${seconds(status.coolingUntil - now)}`);
  if (status.demoted) flags.push('demoted');
  if (status.degraded) flags.push('slow');
  if (status.state === 'closed' && status.admissionWeight < 1)
    flags.push(`ramp ${Math.round(status.admissionWeight * 100)}%`);
  const state =
    status.state === 'open' && row.openUntil !== undefined
      ? `open ${seconds(row.openUntil - now)}`
      : status.state;
  return [state, ...flags].join(', ');
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.ceil(ms / 1000))}s`;
}

/** The health rows as an aligned text table. */
export function formatHealthTable(rows: readonly DeploymentHealthRow[], now: number): string {
  const header = [
    'DEPLOYMENT',
    'MODELS',
    'STATE',
    '1M OK/ALL',
    '1M FAIL%',
    'IN A ROW',
    'EJECTIONS',
    'NEXT PROBE',
  ];
  const lines = rows.map((row) => {
    const minute = row.windows.oneMinute;
    const failureRate = minute.total === 0 ? '-' : (minute.failureRate * 100).toFixed(1);
    return [
      row.deployment,
      row.models.join(','),
      describeState(row, now),
      `${minute.successes}/${minute.total}`,
      failureRate,
      String(row.consecutiveFailures),
      String(row.ejectionCount),
      row.nextProbeAt === undefined ? '-' : `in ${seconds(row.nextProbeAt - now)}`,
    ];
  });
  return formatTable(header, lines);
}
