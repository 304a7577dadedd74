import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../catalog/index.js';
import {
  ConfigError,
  checkConfigFile,
  type DetourConfig,
  loadConfigFile,
  parseConfig,
} from '../config/index.js';
import { catalogExpander, describeReload, reloadOnChange, startGateway } from '../server/index.js';
import { runSimulatorCli, startSimulator } from '../sim/index.js';
import { EXIT, isUsageError, UsageError } from './exit-codes.js';
import { runDemo } from './run-demo.js';
import { runDrain } from './run-drain.js';
import { runExplain } from './run-explain.js';
import { runHealth } from './run-health.js';
import { runIncidents } from './run-incidents.js';
import { runKeys } from './run-keys.js';
import { runMcp } from './run-mcp.js';
import { runModels } from './run-models.js';
import { runQuality } from './run-quality.js';
import { runRequests, runUsage } from './run-usage.js';
import {
  describeVendorHosts,
  detectVendorHosts,
  simulatorConfigYaml,
  vendorConfigYaml,
} from './zero-config.js';

const USAGE = `Usage: detour <command> [options]

Commands:
  start [--config FILE] [--port N] [--host ADDR]   start the gateway (default config: ./detour.yaml;
        [--insecure-open]                          without one: the hosts whose credentials are in
                                                   the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY,
                                                   AZURE_OPENAI_*, AWS_*, GOOGLE_APPLICATION_CREDENTIALS,
                                                   GEMINI_API_KEY), else built-in simulated providers;
                                                   without a config file it is an open sandbox on
                                                   loopback; --insecure-open allows auth off on
                                                   another address)
  config check FILE                                validate a config file and summarise it
  models [--config FILE] [--json]                  the model catalog: context, prices, hosts, and
                                                   which models the config (or environment) serves
  health [MODEL|DEPLOYMENT] [--check] [--json]     live health of every deployment (or one model's,
                                                   or one deployment) of a running Detour; --check
                                                   exits 6 if any shown is not healthy (closed and
                                                   not demoted, slow, drained, disabled or cooling)
  status ...                                       the same as health
  incidents [--open] [--limit N] [--json]          incidents, newest first
  incidents show ID [--json]                       one incident: its evidence and timeline
  drain DEPLOYMENT | --model M | --provider P      take deployments out of rotation
  enable DEPLOYMENT | --model M | --provider P     undo drain (and any forced or disabled switch)
  demo [--duration 2m] [--rps N]                   replay the outage that motivated Detour against
                                                   simulated hosts: users straight to the vendor vs
                                                   through Detour, side by side; exit 1 if any
                                                   request through Detour failed
  requests [--url URL] [--admin-key KEY] [--json]  the request log, newest first; filters: --from,
           [--limit N] [--cursor C]                --to (epoch ms or ISO 8601), --model,
                                                   --deployment, --key, --status, --failure-class
  usage [--url URL] [--admin-key KEY] [--json]     requests, tokens, cost, error rate, p50/p95
        [--by model,deployment,key]                latency, grouped and per hour or day; the
        [--period hour|day]                        same filters as requests
  explain --model M [--since 2h] [--json]         is it the model or the infrastructure? per host:
          [--url URL] [--admin-key KEY]            errors by class, errors users saw, first-token
                                                   latency against its usual, canary pass rate;
                                                   then a verdict (infrastructure, capacity,
                                                   latency, quality, configuration or nothing)
  quality [DEPLOYMENT] [--json]                    per deployment: the quality canaries' verdict,
                                                   pass rate and baseline, and passive signals from
                                                   live answers (cut off, empty, bad JSON or tool args)
  keys create NAME [--models GLOBS] [--rpm N]     client keys over the admin API: create (shown
       [--tpm N] [--budget USD/PERIOD]             once), list, show (with spend), revoke, rotate;
       [--expires ISO] [--meta K=V]                PERIOD is day, week, month or total
  keys list | show ID | revoke ID | rotate ID
  mcp [--url URL] [--admin-key KEY]                an MCP server on stdin/stdout for agents (Claude
                                                   Desktop, ...): health, incidents, usage, drain,
                                                   enable, keys, over a running Detour's admin API
                                                   (the gateway also serves it at POST /mcp)
  sim [--port N] [--scenario FILE] [--seed N]      run the upstream simulator on its own
  help                                             show this text

Every verb that talks to a running Detour takes --url URL (or DETOUR_URL; default
http://127.0.0.1:4000), --admin-key KEY (or DETOUR_ADMIN_KEY) and --json.

Exit codes:
  0  ok
  1  the request failed (server error, conflict); config check: the file is invalid
  2  usage error: unknown command or option, bad value, no admin key (nothing was sent)
  3  not found: no such deployment, model or incident
  4  unauthorised: the admin key was refused
  5  cannot reach Detour at the URL
  6  health --check: a deployment is not healthy
`;

/** Runs the `detour` command line; resolves to an exit code, or undefined while a server runs. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  try {
    return await dispatch(argv);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    process.stderr.write(`detour ${argv[0] ?? ''}: ${error.message}\n`);
    return EXIT.usage;
  }
}

async function dispatch(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'health':
    case 'status':
      return runHealth(rest, command);
    case 'incidents':
      return runIncidents(rest);
    case 'drain':
    case 'enable':
      return runDrain(command, rest);
    case 'demo':
      return runDemo(rest);
    case 'models':
      return runModels(rest);
    case 'requests':
      return runRequests(rest);
    case 'keys':
      return runKeys(rest);
    case 'usage':
      return runUsage(rest);
    case 'mcp':
      return runMcp(rest);
    case 'explain':
      return runExplain(rest);
    case 'quality':
      return runQuality(rest);
    case 'sim':
      await runSimulatorCli(rest);
      return undefined;
    case 'config':
      return configCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`detour: unknown command "${command}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}

async function configCommand(argv: string[]): Promise<number> {
  const [subcommand, file] = argv;
  if (subcommand !== 'check' || file === undefined) {
    process.stderr.write(`Usage: detour config check FILE\n`);
    return EXIT.usage;
  }
  try {
    process.stdout.write(
      `${await checkConfigFile(file, process.env, { expand: catalogExpander(loadCatalog()) })}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.toString() : String(error)}\n`);
    return 1;
  }
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`--port must be 0..65535, got "${text}"`);
  return port;
}

async function start(argv: string[]): Promise<number | undefined> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'insecure-open': { type: 'boolean' },
    },
  });
  const port = parsePort(values.port);
  const defaultPath = resolve('detour.yaml');
  const configPath = values.config ?? (existsSync(defaultPath) ? defaultPath : undefined);
  const closers: Array<() => Promise<void>> = [];
  let config: DetourConfig;
  let origin: string;
  // Start-log lines naming which host was configured from which variables (names, never values).
  let hostLines: string[] = [];
  try {
    if (configPath !== undefined) {
      config = await loadConfigFile(configPath, process.env, { expand: catalogExpander(loadCatalog()) });
      origin = `config ${configPath}`;
    } else {
      const vendors = detectVendorHosts(process.env);
      for (const reason of vendors.skipped) process.stderr.write(`detour: not configured: ${reason}\n`);
      if (vendors.hosts.length > 0) {
        config = parseConfig(vendorConfigYaml(vendors.hosts), '<built-in vendor config>', process.env);
        origin = 'hosts from the environment (no config file)';
        hostLines = describeVendorHosts(vendors.hosts).map((line) => `  host:    ${line}`);
      } else {
        const simulator = await startSimulator({ port: 0, timeToFirstTokenMs: 150, tokenIntervalMs: 15 });
        closers.push(() => simulator.close());
        config = parseConfig(simulatorConfigYaml(simulator.url), '<built-in simulator config>', process.env);
        origin = `built-in simulated providers at ${simulator.url} (no config file, no vendor keys)`;
      }
    }
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    process.stderr.write(`${error instanceof ConfigError ? error.toString() : String(error)}\n`);
    return 1;
  }
  const options = port === undefined ? {} : { port };
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway(config, {
      ...options,
      ...(values.host === undefined ? {} : { host: values.host }),
      insecureOpen: values['insecure-open'] === true,
      logger: { level: process.env.DETOUR_LOG_LEVEL ?? 'warn' },
    });
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    process.stderr.write(`detour: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  closers.unshift(() => gateway.close());
  // Watching and signal handlers first: whoever waits for the banner (a supervisor, a test) may
  // signal as soon as it appears, and must find a server that closes cleanly.
  if (configPath !== undefined) {
    const watcher = reloadOnChange(gateway, configPath, {
      onReload: (summary) => process.stdout.write(`Reloaded ${configPath}: ${describeReload(summary)}\n`),
      onError: (error) => process.stderr.write(`${error.toString()}\n(keeping the last good config)\n`),
    });
    closers.push(async () => watcher.close());
  }
  const shutdown = () => {
    void Promise.all(closers.map((close) => close())).then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  const firstModel = Object.keys(config.models)[0] ?? 'MODEL';
  process.stdout.write(
    [
      `Detour is listening on ${gateway.url}`,
      `  serving: ${origin}`,
      ...hostLines,
      `  models:  ${Object.keys(config.models).join(', ')}`,
      `  status:  ${gateway.url}/status (page), ${gateway.url}/api/v2/summary.json (feed)`,
      `  store:   ${config.store.type === 'sqlite' ? config.store.path : 'postgres'}`,
      config.auth.mode === 'off'
        ? `  auth:    OFF — open to anyone who can reach ${gateway.url}${configPath === undefined ? ' (sandbox: no config file)' : ''}`
        : `  auth:    client keys required (create one: detour keys create NAME, with DETOUR_ADMIN_KEY set)${config.server.adminKey === undefined ? '; server.adminKey is not set, so no key can be created' : ''}`,
      '',
      'Try it:',
      `  curl -s ${gateway.url}/v1/chat/completions -H 'content-type: application/json' \\`,
      ...(config.auth.mode === 'off' ? [] : ['    -H "authorization: Bearer $DETOUR_KEY" \\']),
      `    -d '{"model":"${firstModel}","messages":[{"role":"user","content":"Hello!"}]}'`,
      '',
      configPath === undefined
        ? `To configure your own providers and models, write ${defaultPath} (see README.md, "Configuration").`
        : `Watching ${configPath} for changes; a bad edit is reported and the last good config stays live.`,
      '',
    ].join('\n'),
  );
  return undefined;
}
