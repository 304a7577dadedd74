import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config/index.js';
import { parseDuration } from '../core/index.js';
import { type DeploymentHealthRow, startGateway } from '../server/index.js';
import { startSimulator } from '../sim/index.js';
import { type Incident, SqliteStore } from '../store/index.js';
import { type AdminValues, getAdmin } from './admin-client.js';
import {
  DEMO_HOSTS,
  DEMO_MODELS,
  DEMO_VENDOR_KEY,
  type DemoPlan,
  demoConfigYaml,
  demoScenario,
  planDemo,
} from './demo-plan.js';
import { type DemoRequest, PathCounter } from './demo-traffic.js';
import { EXIT, UsageError } from './exit-codes.js';
import { formatIncident } from './format-incident.js';
import { clockText, type DemoFrame, renderFrame, renderLine } from './render-demo.js';

const MIN_DURATION_MS = 10_000;
const MAX_DURATION_MS = 30 * 60_000;
/** Under the 3 minutes the issue allows, with room for start-up and the summary. */
const DEFAULT_DURATION = '2m';
const DEFAULT_RPS = 4;

function parseOptions(argv: string[]): { durationMs: number; rps: number } {
  const { values } = parseArgs({
    args: argv,
    options: { duration: { type: 'string' }, rps: { type: 'string' } },
  });
  const durationText = values.duration ?? DEFAULT_DURATION;
  const durationMs = parseDuration(durationText);
  if (durationMs === undefined || durationMs < MIN_DURATION_MS || durationMs > MAX_DURATION_MS)
    throw new UsageError(`--duration must be 10s..30m (e.g. 20s, 3m), got "${durationText}"`);
  const rps = values.rps === undefined ? DEFAULT_RPS : Number(values.rps);
  if (!Number.isFinite(rps) || rps < 0.5 || rps > 50)
    throw new UsageError(`--rps must be a number 0.5..50, got "${values.rps}"`);
  return { durationMs, rps };
}

/** The same user request, straight to the vendor's API and through Detour's Anthropic surface. */
function requestsFor(
  index: number,
  simUrl: string,
  detourUrl: string,
): { direct: DemoRequest; detour: DemoRequest } {
  const model = DEMO_MODELS[index % DEMO_MODELS.length] ?? DEMO_MODELS[0];
  const body = (id: string) => ({
    model: id,
    max_tokens: 32,
    messages: [{ role: 'user', content: `echo: demo request ${index}` }],
  });
  const headers = { 'anthropic-version': '2023-06-01' };
  return {
    direct: {
      url: `${simUrl}/hosts/${DEMO_HOSTS.vendor}/v1/messages`,
      headers: { ...headers, 'x-api-key': DEMO_VENDOR_KEY },
      body: body(model.vendorId),
    },
    detour: { url: `${detourUrl}/v1/messages`, headers, body: body(model.name) },
  };
}

function describePlan(plan: DemoPlan, detourUrl: string): string {
  return [
    `detour demo: the outage that motivated Detour, in ${clockText(plan.durationMs)}`,
    `  models:   ${DEMO_MODELS.map((model) => model.name).join(', ')}, each on ${DEMO_HOSTS.vendor} (the vendor's API, first) and ${DEMO_HOSTS.cloud} (a cloud serving the same model)`,
    `  outage:   ${DEMO_HOSTS.vendor} answers 40% 529 overloaded + 20% 500 on both models from ${clockText(plan.faultStartMs)} to ${clockText(plan.faultEndMs)}, then recovers`,
    `  traffic:  ${plan.rps} requests/s straight to ${DEMO_HOSTS.vendor}, and the same ${plan.rps}/s through Detour`,
    `  timings:  incidents open after ${plan.incidentAfterMs} ms of trouble and resolve after ${plan.resolveAfterMs} ms of quiet (scaled down from 2 min / 30 min for the demo)`,
    `  watch:    ${detourUrl}/status (status page), ${detourUrl}/console (operator console)`,
    '',
    '',
  ].join('\n');
}

/**
 * `detour demo [--duration 2m] [--rps N]`: the simulator and a Detour in this process on free
 * loopback ports, SCENARIOS.md scenario 16 on the vendor host, the same steady traffic straight to
 * the vendor and through Detour, a live side-by-side, then the incidents Detour opened. Exits 0
 * when no request through Detour failed, else 1.
 */
export async function runDemo(argv: string[]): Promise<number> {
  const { durationMs, rps } = parseOptions(argv);
  const plan = planDemo(durationMs, rps);
  const adminKey = `demo-${randomBytes(12).toString('hex')}`;
  const sim = await startSimulator({ port: 0, seed: 16, timeToFirstTokenMs: 40, tokenIntervalMs: 2 });
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    const config = parseConfig(demoConfigYaml(sim.url, adminKey, plan), '<demo config>', {});
    const level = process.env.DETOUR_LOG_LEVEL;
    gateway = await startGateway(config, {
      port: 0,
      host: '127.0.0.1',
      store: new SqliteStore({ path: ':memory:' }),
      // Log lines would tear the live table; DETOUR_LOG_LEVEL turns them on to debug the demo.
      logger: level === undefined ? false : { level },
    });
  } catch (error) {
    await sim.close();
    throw error;
  }
  const admin: AdminValues = { url: gateway.url, 'admin-key': adminKey };
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
  };
  process.once('SIGINT', interrupt);
  try {
    process.stdout.write(describePlan(plan, gateway.url));
    const direct = new PathCounter();
    const detour = new PathCounter();
    const started = performance.now();
    sim.runScenario(demoScenario(plan));
    let sent = 0;
    const traffic = setInterval(() => {
      const pair = requestsFor(sent, sim.url, gateway.url);
      sent += 1;
      direct.send(pair.direct);
      detour.send(pair.detour);
    }, 1000 / rps);
    const tty = process.stdout.isTTY === true;
    // A terminal redraws 4 times a second; a log gets about ten lines whatever the duration.
    const reportEveryMs = tty ? 250 : Math.max(2_000, Math.round(durationMs / 10));
    let drawnLines = 0;
    const draw = async (elapsedMs: number) => {
      const health = await getAdmin<{ now: number; deployments: DeploymentHealthRow[] }>(
        'demo',
        admin,
        '/admin/health',
      );
      const frame: DemoFrame = {
        elapsedMs,
        plan,
        vendor: DEMO_HOSTS.vendor,
        direct: direct.tally,
        detour: detour.tally,
        ...(health.ok ? { health: health.body } : {}),
      };
      if (!tty) {
        process.stdout.write(renderLine(frame));
        return;
      }
      const text = renderFrame(frame);
      process.stdout.write(`${drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : ''}${text}`);
      drawnLines = text.split('\n').length - 1;
    };
    for (;;) {
      await sleep(Math.min(reportEveryMs, Math.max(0, durationMs - (performance.now() - started))));
      const elapsed = performance.now() - started;
      // The last frame is drawn once every request has settled, below.
      if (elapsed >= durationMs || interrupted) break;
      await draw(elapsed);
    }
    clearInterval(traffic);
    await Promise.all([direct.settle(), detour.settle()]);
    await draw(Math.min(durationMs, performance.now() - started));
    const incidents = await getAdmin<{ incidents: Incident[] }>('demo', admin, '/admin/incidents');
    const opened = incidents.ok ? incidents.body.incidents : [];
    process.stdout.write(
      [
        '',
        `Users straight to ${DEMO_HOSTS.vendor}: ${direct.tally.failures} of ${direct.tally.requests} requests failed ${JSON.stringify(direct.tally.byStatus)}`,
        `Users through Detour:    ${detour.tally.failures} of ${detour.tally.requests} requests failed${detour.tally.failures === 0 ? '' : ` ${JSON.stringify(detour.tally.byStatus)}`}`,
        '',
        opened.length === 0
          ? 'Detour opened no incident.'
          : `Detour opened ${opened.length} incident(s), oldest first:`,
        '',
        ...opened
          .slice()
          .reverse()
          .map((incident) => formatIncident(incident)),
        `Status page: ${gateway.url}/status`,
        `Console:     ${gateway.url}/console`,
        '(both stop with the demo; `detour start` runs a gateway that stays up)',
        '',
      ].join('\n'),
    );
    return detour.tally.failures === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    process.removeListener('SIGINT', interrupt);
    await gateway.close();
    await sim.close();
  }
}
