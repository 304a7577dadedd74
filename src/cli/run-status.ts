import { parseArgs } from 'node:util';
import type { DeploymentHealthRow } from '../server/index.js';
import { formatTable } from './admin-client.js';

/** `detour status`: prints the live health of every deployment of a running Detour. */
export async function runStatus(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { url: { type: 'string' }, 'admin-key': { type: 'string' }, json: { type: 'boolean' } },
  });
  const url = (values.url ?? process.env.DETOUR_URL ?? 'http://127.0.0.1:4000').replace(/\/+$/, '');
  const adminKey = values['admin-key'] ?? process.env.DETOUR_ADMIN_KEY;
  if (adminKey === undefined) {
    process.stderr.write(
      'detour status: pass --admin-key KEY or set DETOUR_ADMIN_KEY (server.adminKey of the server)\n',
    );
    return 2;
  }
  let response: Response;
  try {
    response = await fetch(`${url}/admin/health`, { headers: { authorization: `Bearer ${adminKey}` } });
  } catch (error) {
    process.stderr.write(
      `detour status: cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 1;
  }
  const body = (await response.json().catch(() => undefined)) as
    | { now: number; deployments: DeploymentHealthRow[]; error?: { message?: string } }
    | undefined;
  if (!response.ok || body === undefined) {
    process.stderr.write(
      `detour status: ${url} answered HTTP ${response.status}: ${body?.error?.message ?? ''}\n`,
    );
    return 1;
  }
  process.stdout.write(
    values.json ? `${JSON.stringify(body, null, 2)}\n` : formatHealthTable(body.deployments, body.now),
  );
  return 0;
}

function describeState(row: DeploymentHealthRow, now: number): string {
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
