/**
 * Outage replay (`npm run bench:outage`): the incident that motivated Detour. Two Claude models of
 * one provider ("vendor") degrade — 40 % of requests answer 529 and 20 % answer 500 — while each has
 * a second deployment at a cloud. Steady Anthropic-format traffic, half of it streamed, goes through
 * Detour; the same traffic goes straight to the degraded provider as the baseline. Real time, real
 * HTTP, default health knobs (DESIGN.md §7). Prints the figures and writes them to BENCHMARKS.md.
 */
import { cpus } from 'node:os';
import { parseConfig } from '../src/config/index.js';
import { startGateway } from '../src/server/index.js';
import { startSimulator } from '../src/sim/index.js';
import { SqliteStore } from '../src/store/index.js';
import { fixed, percentile } from './percentile.js';
import { runStreamCutPhase } from './stream-cuts.js';
import { writeBenchmarksSection } from './write-benchmarks-section.js';

const RATE_PER_SECOND = Number(process.env.OUTAGE_RATE ?? 20);
const WARMUP_MS = Number(process.env.OUTAGE_WARMUP_MS ?? 10_000);
const FAULT_MS = Number(process.env.OUTAGE_FAULT_MS ?? 40_000);
const RECOVERY_LIMIT_MS = Number(process.env.OUTAGE_RECOVERY_MS ?? 90_000);
const MODELS = ['claude-a', 'claude-b'] as const;
const DEPLOYMENTS = MODELS.map((model) => `vendor/${model}`);

interface Sample {
  at: number;
  stream: boolean;
  ok: boolean;
  latencyMs: number;
  phase: 'warmup' | 'fault' | 'recovery';
}

const sim = await startSimulator({ port: 0, seed: 11, timeToFirstTokenMs: 60, tokenIntervalMs: 8 });
const config = parseConfig(
  `
providers:
  vendor: { protocol: anthropic-messages, baseUrl: ${sim.url}/hosts/vendor, apiKey: vendor-key }
  cloud:  { protocol: openai-chat, baseUrl: ${sim.url}/hosts/cloud/v1, apiKey: cloud-key }
models:
${MODELS.map((model) => `  ${model}: { deployments: [ { provider: vendor, model: ${model} }, { provider: cloud, model: ${model} } ] }`).join('\n')}
auth: { mode: off }
# Quality canaries off: the upstream counts here are of client traffic only.
canaries: { enabled: false }
`,
  'outage-replay.yaml',
  {},
);
const detour = await startGateway(config, {
  port: 0,
  host: '127.0.0.1',
  store: new SqliteStore({ path: ':memory:' }),
});

let phase: Sample['phase'] = 'warmup';
const throughDetour: Sample[] = [];
const direct: Sample[] = [];

async function send(base: string, model: string, stream: boolean, into: Sample[]): Promise<void> {
  const started = performance.now();
  let ok = false;
  try {
    const response = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' },
      body: JSON.stringify({
        model,
        max_tokens: 64,
        stream,
        messages: [{ role: 'user', content: 'echo: the quick brown fox jumps over the lazy dog' }],
      }),
    });
    const text = await response.text();
    ok =
      response.status === 200 &&
      (!stream || (text.includes('message_stop') && !text.includes('event: error')));
  } catch {
    ok = false;
  }
  into.push({ at: Date.now(), stream, ok, latencyMs: performance.now() - started, phase });
}

const events: Record<
  string,
  { demotedOrEjected?: number; ejected?: number; closedAgain?: number; fullWeight?: number }
> = Object.fromEntries(DEPLOYMENTS.map((id) => [id, {}]));
let faultStart = 0;
let faultEnd = 0;

function watchHealth(): void {
  const now = Date.now();
  for (const id of DEPLOYMENTS) {
    const status = detour.state.health.status(id);
    const seen = events[id]!;
    if (faultStart > 0 && faultEnd === 0) {
      if (seen.demotedOrEjected === undefined && (status.demoted || status.state !== 'closed')) {
        seen.demotedOrEjected = now - faultStart;
      }
      if (seen.ejected === undefined && status.state !== 'closed') seen.ejected = now - faultStart;
    }
    if (faultEnd > 0) {
      const takesTraffic = status.state === 'closed' && !status.demoted;
      if (seen.closedAgain === undefined && takesTraffic) seen.closedAgain = now - faultEnd;
      if (seen.fullWeight === undefined && takesTraffic && status.admissionWeight >= 1)
        seen.fullWeight = now - faultEnd;
    }
  }
}

let sequence = 0;
const inflight = new Set<Promise<void>>();
const load = setInterval(() => {
  const model = MODELS[sequence % MODELS.length]!;
  const stream = Math.floor(sequence / MODELS.length) % 2 === 1;
  sequence += 1;
  for (const job of [
    send(detour.url, model, stream, throughDetour),
    send(`${sim.url}/hosts/vendor-direct`, model, stream, direct),
  ]) {
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
  }
}, 1_000 / RATE_PER_SECOND);
const watcher = setInterval(watchHealth, 50);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
process.stdout.write(
  `outage replay: ${RATE_PER_SECOND} req/s, warm-up ${WARMUP_MS / 1000} s, fault ${FAULT_MS / 1000} s\n`,
);
await sleep(WARMUP_MS);
sim.resetStats();
const requestsBeforeFault = throughDetour.length;
for (const host of ['vendor', 'vendor-direct']) {
  sim.setFault({ host, fault: { type: 'status', status: 529 }, probability: 0.4 });
  sim.setFault({ host, fault: { type: 'status', status: 500 }, probability: 0.2 });
}
phase = 'fault';
faultStart = Date.now();
await sleep(FAULT_MS);
sim.clearFaults();
phase = 'recovery';
faultEnd = Date.now();
const recoveryStarted = Date.now();
while (Date.now() - recoveryStarted < RECOVERY_LIMIT_MS) {
  await sleep(500);
  if (DEPLOYMENTS.every((id) => events[id]!.fullWeight !== undefined)) break;
}
clearInterval(load);
clearInterval(watcher);
await Promise.all(inflight);
const stats = sim.stats();
await detour.status.detector.evaluate();
const incidents = await detour.status.store.listIncidents({});
await detour.close();
await sim.close();

// Figures.
const afterFaultStart = throughDetour.slice(requestsBeforeFault);
const upstreamCalls = (stats.hosts.vendor?.requests ?? 0) + (stats.hosts.cloud?.requests ?? 0);
const amplification = upstreamCalls / Math.max(1, afterFaultStart.length);
const failures = (samples: Sample[], which?: Sample['phase']) =>
  samples.filter((sample) => !sample.ok && (which === undefined || sample.phase === which)).length;
const latencies = (samples: Sample[], which: Sample['phase'], onlyOk = true, stream?: boolean) =>
  samples
    .filter(
      (sample) =>
        sample.phase === which &&
        (!onlyOk || sample.ok) &&
        (stream === undefined || sample.stream === stream),
    )
    .map((sample) => sample.latencyMs);
/** "p50 / p99" of Detour, of direct (successes), and Detour − direct, for one kind of request in one phase. */
const compare = (which: Sample['phase'], stream: boolean) => {
  const mine = latencies(throughDetour, which, false, stream);
  const theirs = latencies(direct, which, true, stream);
  const pair = (values: number[]) =>
    `${fixed(percentile(values, 0.5), 0)} / ${fixed(percentile(values, 0.99), 0)}`;
  const added = `${fixed(percentile(mine, 0.5) - percentile(theirs, 0.5), 0)} / ${fixed(percentile(mine, 0.99) - percentile(theirs, 0.99), 0)}`;
  return [pair(mine), pair(theirs), added];
};
const seconds = (ms: number | undefined) => (ms === undefined ? 'not reached' : `${fixed(ms / 1000, 1)} s`);
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const detection = Math.max(
  ...DEPLOYMENTS.map((id) => events[id]!.demotedOrEjected ?? Number.POSITIVE_INFINITY),
);
const restore = Math.max(...DEPLOYMENTS.map((id) => events[id]!.closedAgain ?? Number.POSITIVE_INFINITY));
const detourFailures = failures(throughDetour);

const rows = [
  [
    'client-visible failures, all phases',
    `${detourFailures} of ${throughDetour.length}`,
    `${failures(direct)} of ${direct.length}`,
    '0',
    verdict(detourFailures === 0),
  ],
  [
    'client-visible failures during the fault',
    `${failures(throughDetour, 'fault')} of ${latencies(throughDetour, 'fault', false).length}`,
    `${failures(direct, 'fault')} of ${latencies(direct, 'fault', false).length}`,
    '',
    '',
  ],
  ...DEPLOYMENTS.map((id) => [
    `detection, ${id} (fault start → demoted or ejected)`,
    seconds(events[id]!.demotedOrEjected),
    '',
    '≤ 5 s',
    verdict((events[id]!.demotedOrEjected ?? Number.POSITIVE_INFINITY) <= 5_000),
  ]),
  ...DEPLOYMENTS.map((id) => [
    `ejection, ${id} (fault start → breaker open)`,
    events[id]!.ejected === undefined ? 'not ejected (demoted first)' : seconds(events[id]!.ejected),
    '',
    '',
    '',
  ]),
  ...DEPLOYMENTS.map((id) => [
    `restore, ${id} (fault end → takes first-try traffic again)`,
    seconds(events[id]!.closedAgain),
    '',
    '≤ 45 s',
    verdict((events[id]!.closedAgain ?? Number.POSITIVE_INFINITY) <= 45_000),
  ]),
  ...DEPLOYMENTS.map((id) => [
    `full weight, ${id} (fault end → ramp at 100 %)`,
    seconds(events[id]!.fullWeight),
    '',
    '',
    '',
  ]),
  [
    'upstream attempts per client request (fault + recovery)',
    fixed(amplification, 3),
    '1.000',
    '≤ 1.25',
    verdict(amplification <= 1.25),
  ],
  ...(
    [
      ['non-streaming', false],
      ['streaming', true],
    ] as const
  ).flatMap(([kind, stream]) => {
    const fault = compare('fault', stream);
    const warm = compare('warmup', stream);
    return [
      [`${kind} latency during the fault, p50 / p99 (ms)`, fault[0], `${fault[1]} (successes only)`, '', ''],
      [`${kind} added latency during the fault, p50 / p99 (ms)`, fault[2], '', '', ''],
      [`${kind} added latency while healthy (warm-up), p50 / p99 (ms)`, warm[2], '', '', ''],
    ];
  }),
  [
    'incidents opened',
    incidents.map((incident) => `${incident.components[0]}: ${incident.kind}`).join(', ') ||
      'none (opens after 2 min of ejection by default)',
    '',
    '',
    '',
  ],
];
const table = [
  '| measure | through Detour | direct to the degraded provider | target | |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((row) => `| ${row.join(' | ')} |`),
].join('\n');

const markdown = `## Outage replay

\`npm run bench:outage\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}.

Two models of one provider (\`vendor\`, Anthropic protocol) each with a second deployment at \`cloud\`
(OpenAI protocol). ${RATE_PER_SECOND} requests/s of Anthropic-format traffic, half streamed, alternating the two models, through
Detour and, at the same moments, straight to a copy of the degraded provider. ${WARMUP_MS / 1000} s healthy, then
${FAULT_MS / 1000} s of 40 % \`529 overloaded_error\` and 20 % \`500\`, then recovery. Default health knobs; the simulator
answers with a 60 ms time to first token and 8 ms between tokens.

${table}

Detection is the moment the deployment stops taking first tries (demoted at ≥ 20 % failures over ≥ 20 calls,
or ejected); restore is the moment it takes first tries again (its breaker closed and its demotion lifted): an ejected
deployment gets a health check every 10 s, a pass ends the ejection early and three trials close it; a demoted one gets
no traffic while its peer is healthy, so its demotion lifts when the failures leave the 60 s window. Full weight is the
end of the 10 % → 50 % → 100 % ramp over 60 s after the restore.

${await runStreamCutPhase(Number(process.env.OUTAGE_CUT_REQUESTS ?? 400), 8)}`;
process.stdout.write(`\n${markdown}\n`);
writeBenchmarksSection('outage', markdown);
process.exit(
  detourFailures === 0 && detection <= 5_000 && restore <= 45_000 && amplification <= 1.25 ? 0 : 1,
);
