import { parseArgs } from 'node:util';
import { callAdmin, formatTable, getAdmin } from './admin-client.js';
import { EXIT, isParseArgsError } from './exit-codes.js';

/** A key as `GET /admin/keys` shows it (see server/routes/admin-keys.ts). */
interface KeyView {
  id: string;
  name: string;
  prefix: string;
  status: string;
  createdAt: number;
  expiresAt: number | null;
  models: string[];
  rpm: number | null;
  tpm: number | null;
  budget: { usd: number; period: string } | null;
  metadata: Record<string, string>;
  spend?: { spentUsd: number; reservedUsd: number; limitUsd: number; periodEnd?: number };
}

const CONNECTION = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const SCOPES = {
  ...CONNECTION,
  models: { type: 'string' },
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  budget: { type: 'string' },
  expires: { type: 'string' },
  meta: { type: 'string', multiple: true },
} as const;

export const KEYS_USAGE = `Usage: detour keys <create NAME | list | show ID | revoke ID | rotate ID> [options]
  create NAME [--models 'gpt-*,claude-*'] [--rpm N] [--tpm N] [--budget USD/PERIOD]
              [--expires ISO-8601] [--meta team=search ...]
                    prints the new key once; PERIOD is day, week, month or total (e.g. 25/month)
  list              every key: id, prefix, status, scopes
  show ID           one key with its budget's spend this period
  revoke ID         refuses the key from now on
  rotate ID         a new secret for the same key (scopes, budget and spend kept); the old one stops
Connection: --url URL (default http://127.0.0.1:4000 or DETOUR_URL), --admin-key KEY (or DETOUR_ADMIN_KEY), --json
`;

function fail(message: string): never {
  throw new RangeError(message);
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) fail(`--${name} must be a whole number ≥ 1, got "${text}"`);
  return value;
}

/** `25/month` → `{ usd: 25, period: 'month' }`. */
function parseBudget(text: string | undefined): { usd: number; period: string } | undefined {
  if (text === undefined) return undefined;
  const match = /^\$?(\d+(?:\.\d+)?)\/(day|week|month|total)$/.exec(text.trim());
  if (match === null) fail(`--budget must look like 25/month (day, week, month or total), got "${text}"`);
  return { usd: Number(match[1]), period: match[2] as string };
}

/** ISO 8601 as the API takes it: a date, or a date and time with `Z` or an offset. */
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `--expires` as epoch ms. A bare date is midnight UTC (what `Date.parse` makes of it); a time
 * without an offset is refused rather than guessed. Checked here so that a typo exits 2 naming the
 * option, like the other options, instead of an HTTP 400 naming the API's `expiresAt`.
 */
function parseExpiry(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = ISO_TIME.exec(text);
  if (match !== null) {
    const time = Date.parse(text);
    const day = Number(match[3]);
    // Date.parse rolls 2027-02-30 over into March; the date must be one the calendar has.
    const calendarDay = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, day)).getUTCDate();
    if (!Number.isNaN(time) && time >= 0 && calendarDay === day) return time;
  }
  fail(
    `--expires must be an ISO 8601 date or time with an offset (2027-01-31, 2027-01-31T18:00:00Z), got "${text}"`,
  );
}

/** `--models 'gpt-*, claude-*'` as globs; an empty list would allow every model, so it is refused. */
function parseModels(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const globs = text
    .split(',')
    .map((glob) => glob.trim())
    .filter((glob) => glob !== '');
  if (globs.length === 0)
    fail(`--models needs at least one model name or glob, got "${text}"; leave it out to allow every model`);
  return globs;
}

function parseMetadata(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) fail(`--meta must be NAME=VALUE, got "${pair}"`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

function iso(time: number | null | undefined): string {
  return time === null || time === undefined ? '-' : new Date(time).toISOString();
}

function limitsText(key: KeyView): string {
  const parts = [
    key.rpm === null ? undefined : `${key.rpm} rpm`,
    key.tpm === null ? undefined : `${key.tpm} tpm`,
    key.budget === null ? undefined : `$${key.budget.usd}/${key.budget.period}`,
  ].filter((part) => part !== undefined);
  return parts.length === 0 ? '-' : parts.join(', ');
}

/** Keys as a table. */
export function formatKeysTable(keys: readonly KeyView[]): string {
  return formatTable(
    ['ID', 'NAME', 'PREFIX', 'STATUS', 'MODELS', 'LIMITS', 'EXPIRES', 'CREATED'],
    keys.map((key) => [
      key.id,
      key.name,
      `${key.prefix}…`,
      key.status,
      key.models.length === 0 ? '*' : key.models.join(','),
      limitsText(key),
      iso(key.expiresAt),
      iso(key.createdAt),
    ]),
  );
}

function describeKey(key: KeyView): string {
  const lines = [
    `id:       ${key.id}`,
    `name:     ${key.name}`,
    `prefix:   ${key.prefix}…`,
    `status:   ${key.status}`,
    `models:   ${key.models.length === 0 ? '* (all)' : key.models.join(', ')}`,
    `limits:   ${limitsText(key)}`,
    `expires:  ${iso(key.expiresAt)}`,
    `created:  ${iso(key.createdAt)}`,
  ];
  if (Object.keys(key.metadata).length > 0)
    lines.push(
      `metadata: ${Object.entries(key.metadata)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')}`,
    );
  if (key.spend !== undefined) {
    lines.push(
      `spent:    $${key.spend.spentUsd.toFixed(6)} of $${key.spend.limitUsd} (+ $${key.spend.reservedUsd.toFixed(6)} held in flight)${key.spend.periodEnd === undefined ? '' : `, resets ${iso(key.spend.periodEnd)}`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `detour keys …` over the admin API. */
export async function runKeys(argv: string[]): Promise<number> {
  const [subcommand, ...rest] = argv;
  try {
    switch (subcommand) {
      case 'create':
        return await create(rest);
      case 'list':
        return await list(rest);
      case 'show':
      case 'revoke':
      case 'rotate':
        return await oneKey(subcommand, rest);
      default:
        process.stderr.write(KEYS_USAGE);
        return EXIT.usage;
    }
  } catch (error) {
    if (!(error instanceof RangeError || isParseArgsError(error))) throw error;
    process.stderr.write(`detour keys: ${error.message}\n`);
    return EXIT.usage;
  }
}

function printSecret(values: { json?: boolean | undefined }, body: { key: KeyView; secret: string }): void {
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `${describeKey(body.key)}\nkey:      ${body.secret}\n\nThis is the only time the key is shown: store it now (Detour keeps only its hash).\n`,
  );
}

async function create(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: SCOPES, allowPositionals: true });
  const name = positionals[0];
  if (name === undefined || positionals.length > 1) fail('create takes one NAME');
  const body: Record<string, unknown> = { name };
  const models = parseModels(values.models);
  if (models !== undefined) body.models = models;
  const rpm = positiveInteger('rpm', values.rpm);
  if (rpm !== undefined) body.rpm = rpm;
  const tpm = positiveInteger('tpm', values.tpm);
  if (tpm !== undefined) body.tpm = tpm;
  const budget = parseBudget(values.budget);
  if (budget !== undefined) body.budget = budget;
  const expiresAt = parseExpiry(values.expires);
  if (expiresAt !== undefined) body.expiresAt = expiresAt;
  const metadata = parseMetadata(values.meta);
  if (metadata !== undefined) body.metadata = metadata;
  const made = await callAdmin<{ key: KeyView; secret: string }>('keys create', values, '/admin/keys', {
    method: 'POST',
    body,
  });
  if (!made.ok) return made.exitCode;
  printSecret(values, made.body);
  return EXIT.ok;
}

async function list(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: CONNECTION });
  const result = await getAdmin<{ keys: KeyView[] }>('keys list', values, '/admin/keys');
  if (!result.ok) return result.exitCode;
  process.stdout.write(
    values.json === true ? `${JSON.stringify(result.body, null, 2)}\n` : formatKeysTable(result.body.keys),
  );
  return EXIT.ok;
}

async function oneKey(subcommand: 'show' | 'revoke' | 'rotate', argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: CONNECTION, allowPositionals: true });
  const id = positionals[0];
  if (id === undefined || positionals.length > 1) fail(`${subcommand} takes one key ID`);
  const path = `/admin/keys/${encodeURIComponent(id)}`;
  if (subcommand === 'rotate') {
    const rotated = await callAdmin<{ key: KeyView; secret: string }>(
      'keys rotate',
      values,
      `${path}/rotate`,
      {
        method: 'POST',
      },
    );
    if (!rotated.ok) return rotated.exitCode;
    printSecret(values, rotated.body);
    return EXIT.ok;
  }
  const result =
    subcommand === 'show'
      ? await getAdmin<{ key: KeyView }>('keys show', values, path)
      : await callAdmin<{ key: KeyView }>('keys revoke', values, `${path}/revoke`, { method: 'POST' });
  if (!result.ok) return result.exitCode;
  process.stdout.write(
    values.json === true ? `${JSON.stringify(result.body, null, 2)}\n` : describeKey(result.body.key),
  );
  return EXIT.ok;
}
