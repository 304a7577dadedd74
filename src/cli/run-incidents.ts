import { parseArgs } from 'node:util';
import type { Incident } from '../store/index.js';
import { getAdmin, printJson } from './admin-client.js';
import { EXIT } from './exit-codes.js';
import { formatIncident, formatIncidentsTable } from './format-incident.js';

const OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
  open: { type: 'boolean' },
  limit: { type: 'string' },
} as const;

export const INCIDENTS_USAGE = `Usage: detour incidents [--open] [--limit N] [--json]   incidents, newest first
       detour incidents show ID [--json]                 one incident: evidence and timeline
Connection: --url URL (default http://127.0.0.1:4000 or DETOUR_URL), --admin-key KEY (or DETOUR_ADMIN_KEY)
`;

/** `detour incidents [--open]` and `detour incidents show ID` over the admin API. */
export async function runIncidents(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [subcommand, id, ...extra] = positionals;
  if (subcommand === 'show') {
    if (id === undefined || extra.length > 0) return usage('show takes one incident ID');
    const result = await getAdmin<{ incident: Incident }>(
      'incidents show',
      values,
      `/admin/incidents/${encodeURIComponent(id)}`,
    );
    if (!result.ok) return result.exitCode;
    if (values.json === true) printJson(result.body);
    else process.stdout.write(formatIncident(result.body.incident));
    return EXIT.ok;
  }
  if (subcommand !== undefined) return usage(`unknown subcommand "${subcommand}"`);
  const query = new URLSearchParams();
  if (values.open === true) query.set('open', 'true');
  if (values.limit !== undefined) {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      return usage(`--limit must be a whole number 1..500, got "${values.limit}"`);
    query.set('limit', String(limit));
  }
  const result = await getAdmin<{ incidents: Incident[] }>('incidents', values, `/admin/incidents?${query}`);
  if (!result.ok) return result.exitCode;
  if (values.json === true) printJson(result.body);
  else if (result.body.incidents.length === 0)
    process.stdout.write(values.open === true ? 'No open incidents.\n' : 'No incidents.\n');
  else process.stdout.write(formatIncidentsTable(result.body.incidents));
  return EXIT.ok;
}

function usage(message: string): number {
  process.stderr.write(`detour incidents: ${message}\n${INCIDENTS_USAGE}`);
  return EXIT.usage;
}
