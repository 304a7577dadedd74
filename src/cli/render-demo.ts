import type { DeploymentHealthRow } from '../server/index.js';
import { formatTable } from './admin-client.js';
import type { DemoPlan } from './demo-plan.js';
import type { PathTally } from './demo-traffic.js';
import { describeState } from './run-health.js';

/** What one frame of the demo shows. */
export interface DemoFrame {
  elapsedMs: number;
  plan: DemoPlan;
  vendor: string;
  direct: PathTally;
  detour: PathTally;
  /** The latest `GET /admin/health` answer, if one came. */
  health?: { now: number; deployments: DeploymentHealthRow[] };
}

/** `m:ss`. */
export function clockText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** What the simulated vendor host is doing at `elapsedMs`. */
export function phaseOf(plan: DemoPlan, elapsedMs: number): string {
  if (elapsedMs < plan.faultStartMs) return 'vendor healthy';
  if (elapsedMs < plan.faultEndMs) return 'OUTAGE: vendor at 40% 529 + 20% 500';
  return 'vendor recovered';
}

/** `[#####.....]` filled in proportion, `width` cells. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = Math.min(width, Math.max(0, Math.round((done / Math.max(1, total)) * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function rate(tally: PathTally): string {
  return tally.requests === 0 ? '-' : `${((tally.failures / tally.requests) * 100).toFixed(1)}%`;
}

/** Each deployment: id, state, and its attempts over the last minute (`ok/all`). */
function stateOf(frame: DemoFrame): Array<[string, string, string]> {
  if (frame.health === undefined) return [];
  const { now, deployments } = frame.health;
  return deployments.map((row) => [
    row.deployment,
    describeState(row, now),
    `${row.windows.oneMinute.successes}/${row.windows.oneMinute.total}`,
  ]);
}

/** The full frame drawn in place on a terminal. */
export function renderFrame(frame: DemoFrame): string {
  const { plan } = frame;
  const header = `${progressBar(frame.elapsedMs, plan.durationMs)} ${clockText(frame.elapsedMs)} / ${clockText(plan.durationMs)}  ${phaseOf(plan, frame.elapsedMs)}`;
  const users = formatTable(
    ['USERS', 'REQUESTS', 'FAILED', 'FAIL%'],
    [
      [
        `straight to ${frame.vendor}`,
        String(frame.direct.requests),
        String(frame.direct.failures),
        rate(frame.direct),
      ],
      ['through Detour', String(frame.detour.requests), String(frame.detour.failures), rate(frame.detour)],
    ],
  );
  const hosts = formatTable(['DEPLOYMENT', 'STATE', '1M OK/ALL'], stateOf(frame));
  return `${header}\n\n${users}\n${hosts}`;
}

/** One plain line per report when stdout is not a terminal (a log, a pipe, CI). */
export function renderLine(frame: DemoFrame): string {
  const states = stateOf(frame)
    .map(([deployment, state]) => `${deployment}=${state}`)
    .join(' ');
  return `${progressBar(frame.elapsedMs, frame.plan.durationMs, 20)} ${clockText(frame.elapsedMs)} ${phaseOf(frame.plan, frame.elapsedMs)} | direct ${frame.direct.failures}/${frame.direct.requests} failed | through Detour ${frame.detour.failures}/${frame.detour.requests} failed | ${states}\n`;
}
