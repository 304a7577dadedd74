import { parseArgs } from 'node:util';
import type { HostTimeline, ModelExplanation } from '../incidents/index.js';
import { formatTable, getAdmin } from './admin-client.js';
import { EXIT } from './exit-codes.js';

const BARS = '▁▂▃▄▅▆▇█';
/** Columns of a sparkline: 2 h of 1-min buckets fold into 60 columns of 2 min. */
const WIDTH = 60;

/**
 * One line of bars for a series; null or 0 is a blank so a quiet minute reads as quiet. Buckets
 * are folded into at most {@link WIDTH} columns (counts add up, latencies keep their worst).
 */
export function sparkline(values: ReadonlyArray<number | null>, fold: 'sum' | 'max', scale?: number): string {
  const size = Math.max(1, Math.ceil(values.length / WIDTH));
  const columns: number[] = [];
  for (let start = 0; start < values.length; start += size) {
    const slice = values.slice(start, start + size).map((value) => value ?? 0);
    columns.push(fold === 'sum' ? slice.reduce((a, b) => a + b, 0) : Math.max(0, ...slice));
  }
  const top = scale ?? Math.max(0, ...columns);
  return columns
    .map((value) =>
      value <= 0 || top === 0
        ? ' '
        : BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((value / top) * (BARS.length - 1))))],
    )
    .join('');
}

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${value} ms`;
const pct = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${Math.round(value * 100)} %`;

function hostBlock(host: HostTimeline): string {
  const errors = host.buckets.map((bucket) => Object.values(bucket.errors).reduce((a, b) => a + b, 0));
  const failed = errors.reduce((a, b) => a + b, 0);
  const classes = Object.entries(host.errors)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const usual =
    host.baseline === null
      ? null
      : host.baseline.source === 'log'
        ? host.baseline.p50Ms
        : host.baseline.p95Ms;
  const canary =
    host.canaries === null
      ? '-'
      : `${pct(host.canaries.passRate)} of ${host.canaries.graded} (before ${pct(host.canaries.baselinePassRate)})`;
  const title = `${host.deployment}${host.configured ? '' : ' (not configured)'}${
    host.live === null ? '' : ` — ${host.live.state}${host.live.degraded ? ', slow' : ''}`
  }`;
  const table = formatTable(
    ['', 'TIMELINE', 'TOTAL'],
    [
      [
        'attempts',
        sparkline(
          host.buckets.map((bucket) => bucket.attempts),
          'sum',
        ),
        String(host.attempts),
      ],
      ['errors', sparkline(errors, 'sum'), `${failed}${classes === '' ? '' : ` (${classes})`}`],
      [
        'to users',
        sparkline(
          host.buckets.map((bucket) => bucket.reachedUsers),
          'sum',
        ),
        String(host.reachedUsers),
      ],
      [
        'ttft p50',
        sparkline(
          host.buckets.map((bucket) => bucket.ttftP50Ms),
          'max',
        ),
        `${ms(host.ttft.p50Ms)} (p95 ${ms(host.ttft.p95Ms)}; usual ${ms(usual)}${host.baseline === null ? '' : ` ${host.baseline.source}`})`,
      ],
      [
        'canaries',
        // Pass rate per slice on an absolute 0–100 % scale; a slice without graded runs is blank.
        host.canaries === null
          ? ''
          : sparkline(
              host.canaries.slices.map((slice) => slice.passRate),
              'max',
              1,
            ),
        canary,
      ],
    ],
  );
  return `${title}\n${table
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n')}`;
}

/** The explanation as text: the verdict, each host's timeline, the findings and the paragraph. */
export function formatExplanation(explanation: ModelExplanation): string {
  const minutes = Math.round(explanation.bucketMs / 60_000);
  const lines = [
    `${explanation.model}: ${explanation.verdict.toUpperCase()}`,
    `last ${explanation.since} (${new Date(explanation.from).toISOString()} → ${new Date(explanation.to).toISOString()}), ${minutes} min buckets; users: ${explanation.users.errors} of ${explanation.users.requests} requests failed${explanation.truncated ? ' (recent sample)' : ''}`,
    '',
    ...explanation.hosts.map(hostBlock),
  ];
  if (explanation.findings.length > 0) {
    lines.push('findings:');
    for (const finding of explanation.findings) lines.push(`  - [${finding.kind}] ${finding.sentence}`);
    lines.push('');
  }
  if (explanation.incidents.length > 0) {
    lines.push('incidents:');
    for (const incident of explanation.incidents)
      lines.push(`  - ${incident.id} ${incident.kind} ${incident.status}: ${incident.title}`);
    lines.push('');
  }
  lines.push(`verdict: ${explanation.verdict}`, explanation.summary, `(rule: ${explanation.rule})`);
  return `${lines.join('\n')}\n`;
}

/** `detour explain --model M [--since 2h]`: is it the model or the infrastructure? */
export async function runExplain(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        'admin-key': { type: 'string' },
        json: { type: 'boolean' },
        model: { type: 'string' },
        since: { type: 'string' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`detour explain: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
  if (typeof values.model !== 'string' || values.model === '') {
    process.stderr.write('detour explain: pass --model MODEL (and optionally --since 2h)\n');
    return EXIT.usage;
  }
  const query = new URLSearchParams({ model: values.model });
  if (typeof values.since === 'string') query.set('since', values.since);
  const result = await getAdmin<ModelExplanation>('explain', values, `/admin/explain?${query}`);
  if (!result.ok) return result.exitCode;
  const explanation = result.body;
  process.stdout.write(
    values.json ? `${JSON.stringify(explanation, null, 2)}\n` : formatExplanation(explanation),
  );
  return EXIT.ok;
}
