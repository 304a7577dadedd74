import type { Incident } from '../store/index.js';
import { formatTable } from './admin-client.js';

function iso(time: number | undefined): string {
  return time === undefined ? '-' : new Date(time).toISOString();
}

/** Incidents as a table, newest first (as the API lists them). */
export function formatIncidentsTable(incidents: readonly Incident[]): string {
  return formatTable(
    ['ID', 'STATUS', 'KIND', 'IMPACT', 'STARTED', 'RESOLVED', 'MODELS', 'TITLE'],
    incidents.map((incident) => [
      incident.id,
      incident.status,
      incident.kind,
      incident.impact,
      iso(incident.startedAt),
      iso(incident.resolvedAt),
      incident.components.join(','),
      incident.title,
    ]),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  if (value === null || value === undefined) return '-';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function percent(value: unknown): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '-';
}

/**
 * The evidence of an incident. The detector's (incidents/incident-evidence.ts) gets a deployments
 * table and a line each for users, servers and canaries; anything else (an operator's note, fields a
 * later version adds) is printed as `name: value`, so nothing in the store is hidden.
 */
export function formatEvidence(evidence: Record<string, unknown>): string {
  const lines: string[] = [];
  const { deployments, users, servedBy, canaries, ...rest } = evidence;
  for (const [name, value] of Object.entries(rest)) lines.push(`  ${name}: ${text(value)}`);
  if (isRecord(users)) {
    lines.push(
      `  users: ${text(users.errors)} errors in ${text(users.requests)} requests (${percent(users.errorRate)})${users.sawErrors === true ? '' : ', none visible after failover'}`,
    );
  }
  if (Array.isArray(servedBy) && servedBy.length > 0) {
    lines.push(
      `  served by: ${servedBy
        .filter(isRecord)
        .map((entry) => `${text(entry.deployment)} (${text(entry.successes)} ok)`)
        .join(', ')}`,
    );
  }
  // The detector's note already reads "canaries: …"; the label is not repeated.
  if (isRecord(canaries)) lines.push(`  canaries: ${text(canaries.note).replace(/^canaries:\s*/, '')}`);
  if (Array.isArray(deployments) && deployments.length > 0) {
    const table = formatTable(
      ['  DEPLOYMENT', 'TROUBLED', 'STATE', 'ATTEMPTS', 'FAILURES', 'FAIL%', 'BY CLASS', 'EJECTIONS'],
      deployments.filter(isRecord).map((row) => [
        `  ${text(row.id)}`,
        row.troubled === true ? 'yes' : 'no',
        text(row.state),
        text(row.attempts),
        text(row.failures),
        percent(row.failureRate),
        isRecord(row.byClass)
          ? Object.entries(row.byClass)
              .map(([name, count]) => `${name}=${text(count)}`)
              .join(' ') || '-'
          : '-',
        text(row.ejections),
      ]),
    );
    lines.push(table.trimEnd());
  }
  return lines.length === 0 ? '  (none)\n' : `${lines.join('\n')}\n`;
}

/** One incident: its fields, evidence and timeline (oldest update first). */
export function formatIncident(incident: Incident): string {
  const header = [
    `id:          ${incident.id}`,
    `title:       ${incident.title}`,
    `status:      ${incident.status}`,
    `kind:        ${incident.kind} (impact ${incident.impact})${incident.manual ? ', opened by an operator' : ''}`,
    `models:      ${incident.components.join(', ') || '-'}`,
    `deployments: ${incident.deployments.join(', ') || '-'}`,
    `started:     ${iso(incident.startedAt)}`,
    `resolved:    ${iso(incident.resolvedAt)}`,
    'evidence:',
  ];
  const timeline = incident.updates.map((update) => `  ${iso(update.at)}  ${update.status}  ${update.body}`);
  return `${header.join('\n')}\n${formatEvidence(incident.evidence)}timeline:\n${timeline.join('\n')}\n`;
}
