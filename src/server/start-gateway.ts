import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { PassiveSignals } from '../canaries/index.js';
import { loadCatalog } from '../catalog/index.js';
import { type DetourConfig, formatKeyPath, planConfigReload } from '../config/index.js';
import { type Clock, systemClock } from '../core/index.js';
import { SharedHealth } from '../health/index.js';
import { UpstreamTransport } from '../providers/index.js';
import { Prober, type RoutingState } from '../routing/index.js';
import type { Store } from '../store/index.js';
import { RequestLogWriter, RetentionSweeper } from '../usage/index.js';
import { type AccessRuntime, buildAccess, isLoopbackHost } from './build-access.js';
import { buildApp } from './build-app.js';
import { CanaryRuntime } from './build-canaries.js';
import { buildGateway, type ModelFactsLookup } from './build-gateway.js';
import { buildRoutingState, reconfigureRoutingState } from './build-routing-state.js';
import { expandCatalogHosts } from './expand-catalog-hosts.js';
import type { CanaryTallies, Gateway } from './gateway.js';
import { GatewayMetrics } from './metrics.js';
import { describeReload, type ReloadSummary, summarizeReload } from './reload-summary.js';
import { createAdminThrottle } from './routes/admin.js';
import { createStatusService, openStore, type StatusService } from './status-service.js';
import type { RequestTracer } from './telemetry/index.js';

/** A listening Detour server. */
export interface RunningGateway {
  /** Base URL, e.g. `http://127.0.0.1:4000`. */
  url: string;
  /** The port it listens on. */
  port: number;
  /** The Fastify app (for tests and embedding). */
  app: FastifyInstance;
  /** Health, retry budgets and panic throttles (for the admin API and tests). */
  state: RoutingState;
  /** Active probes of ejected deployments. */
  prober: Prober;
  /** Store, incident detector and webhook outbox. */
  status: StatusService;
  /** The request log's batching writer; absent with `log.enabled: false`. */
  requestLog?: RequestLogWriter;
  /** Deletes request-log rows past `log.retention`. */
  retention?: RetentionSweeper;
  /** Client keys, rate limits and budgets. */
  access: AccessRuntime;
  /** Breaker transitions shared with the other replicas; absent without `state.redis`. */
  sharedHealth?: SharedHealth;
  /** The quality canaries; absent with `canaries.enabled: false`. */
  canaries?: CanaryRuntime;
  /**
   * Applies a new config's live keys at once, without dropping requests in flight (they finish on
   * the old one), and keeps the running value of every restart-only key, logging each as "takes
   * effect on restart". Health survives: a deployment still configured keeps its breaker and
   * windows, a removed one is forgotten, a new one starts fresh.
   */
  reload(config: DetourConfig): ReloadSummary;
  /** Stops listening, finishes requests in flight, closes upstream pools. */
  close(): Promise<void>;
}

/** Options for {@link startGateway}. */
export interface StartOptions {
  /** Overrides `server.port` (0 = a free port). */
  port?: number;
  /** Overrides `server.host`. */
  host?: string;
  /** Fastify/pino logger option. */
  logger?: FastifyServerOptions['logger'];
  /** Time source (tests inject a manual clock). */
  clock?: Clock;
  /** Uniform random in [0, 1) for jitter, ramps and throttling (tests inject a seeded one). */
  random?: () => number;
  /** A store instead of the config's (tests pass an in-memory one); closed with the gateway. */
  store?: Store;
  /** Context windows, capabilities and prices of the configured models (the catalog's, or a test's). */
  modelFacts?: ModelFactsLookup;
  /**
   * Allows `auth.mode: off` on an address other machines can reach (CLI `--insecure-open`); without
   * it Detour refuses to start open to the network.
   */
  insecureOpen?: boolean;
  /** Canary pass counts for `GET /admin/explain`; the store's canary results when absent. */
  canaryTallies?: CanaryTallies;
}

/** Starts Detour on a config. */
export async function startGateway(
  written: DetourConfig,
  options: StartOptions = {},
): Promise<RunningGateway> {
  // A config loaded without the catalog expander (a test's, an embedder's) still gets its `hosts:`.
  const config = withCatalogHosts(written);
  const listenHost = options.host ?? config.server.host;
  if (config.auth.mode === 'off' && !isLoopbackHost(listenHost) && options.insecureOpen !== true) {
    throw new Error(
      `auth.mode is off and Detour would listen on ${listenHost}, where anyone who reaches it can spend on your vendor keys; ` +
        'use client keys (auth.mode: keys), listen on 127.0.0.1, or pass --insecure-open to accept this',
    );
  }
  // One store for incidents, keys and the request log, opened before the gateway so the log writer
  // exists when the first request arrives; closed again when the gateway cannot start (a provider
  // whose credentials cannot be read), so a failed start leaves no open database behind.
  const store = options.store ?? (await openStore(config.store));
  try {
    return await startOn(config, store, listenHost, options);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** The rest of {@link startGateway}, on an open store. */
async function startOn(
  config: DetourConfig,
  store: Store,
  listenHost: string,
  options: StartOptions,
): Promise<RunningGateway> {
  const metrics = new GatewayMetrics();
  const clock = options.clock ?? systemClock;
  // Health outlives config reloads: a reload must not forget that a host is down.
  const state = buildRoutingState(config, clock, options.random);
  metrics.trackRouting(state, clock);
  let requestLog: RequestLogWriter | undefined;
  // Quality signals outlive config reloads like health does.
  const passiveSignals = new PassiveSignals();
  let canaries: CanaryRuntime | undefined;
  // Restart-only: the exporter is made once and flushed at close. Loaded only when configured: the
  // OpenTelemetry SDK takes about a second to import, which an untraced gateway must not pay.
  let telemetry: RequestTracer | undefined;
  if (config.telemetry !== undefined) {
    const { createOtlpTracer } = await import('./telemetry/index.js');
    telemetry = createOtlpTracer(config.telemetry.otlp);
  }
  // Wrong admin keys are counted across config reloads, like health.
  const adminThrottle = createAdminThrottle(() => clock.now());
  const assemble = (next: DetourConfig, nextTransport: UpstreamTransport): Gateway => {
    const assembled: Gateway = {
      ...buildGateway(next, nextTransport, state, clock, options.modelFacts),
      adminThrottle,
      metrics,
      onAttempt: (deployment, record) => metrics.recordAttempt(deployment, record),
    };
    if (requestLog !== undefined) assembled.requestLog = requestLog;
    assembled.access = access;
    assembled.passiveSignals = passiveSignals;
    if (canaries !== undefined) assembled.quality = canaries;
    if (sharedHealth !== undefined) assembled.sharedHealth = sharedHealth;
    if (telemetry !== undefined) assembled.telemetry = telemetry;
    assembled.canaryTallies = options.canaryTallies ?? ((query) => store.tallyCanaries(query));
    return assembled;
  };
  let transport = new UpstreamTransport({ connectTimeoutMs: config.timeouts.connect });
  let current = config;
  // The writer outlives config reloads like the metrics do.
  let retention: RetentionSweeper | undefined;
  if (config.log.enabled) {
    metrics.trackRequestLog();
    requestLog = new RequestLogWriter({
      store,
      clock,
      flushIntervalMs: config.log.flushInterval,
      batchSize: config.log.batchSize,
      queueLimit: config.log.queueSize,
      onWritten: (rows) => metrics.requestLogRows.inc({ outcome: 'written' }, rows),
      onDropped: (rows, reason) => metrics.requestLogRows.inc({ outcome: reason }, rows),
      warn: (message, details) => app.log.warn({ requestLog: details }, message),
    });
    retention = new RetentionSweeper({
      store,
      clock,
      retentionMs: config.log.retention,
      onError: (error) => app.log.warn({ err: error }, 'request log: retention sweep failed'),
    });
  }
  // Keys, limits and budgets outlive config reloads; budget alerts leave through the webhook outbox.
  const access = buildAccess({
    config,
    store,
    clock,
    announce: (event) => {
      app.log.warn({ statusEvent: event.type }, 'budget threshold crossed');
      void status.notifier.enqueue(event).catch(() => undefined);
    },
    onError: (error) => app.log.error({ err: error }, 'access: spend ledger failed'),
    onSharedState: (up) => {
      if (up) app.log.info('shared state available: rate limits and budgets are shared through Redis');
      else
        app.log.warn(
          "shared state unavailable: rate limits fall back to this replica's share, budgets to local reservations",
        );
    },
    onSharedStateError: (error) =>
      app.log.warn({ err: error }, 'shared state: script failed, decided locally'),
  });
  // Ejections, restores and admin switches reach every replica at once (DESIGN.md section 9); the
  // request path still decides on this replica's own store and never waits for Redis.
  const sharedHealth =
    config.state === undefined
      ? undefined
      : new SharedHealth({
          store: state.health,
          url: config.state.redis,
          keyPrefix: config.state.keyPrefix,
          clock,
          // The id this replica beats under, so that half-open trials go to one replica (trial-owner.ts).
          ...(access.shared === undefined ? {} : { replicaId: access.shared.replicaId }),
          onChange: (up) => {
            if (up) app.log.info('shared health available: breaker transitions are shared through Redis');
            else
              app.log.warn(
                "shared health unavailable: deployments' health follows this replica's local view",
              );
          },
        });
  if (config.state !== undefined) {
    const shared = access.shared;
    metrics.trackSharedState(() => [
      ...(sharedHealth === undefined ? [] : [{ part: 'health' as const, up: sharedHealth.up }]),
      ...(shared === undefined ? [] : [{ part: 'limits' as const, up: shared.up }]),
    ]);
  }
  let gateway: Gateway = assemble(config, transport);
  // Suites load here, so a bad suite file stops the start with its file, line and key.
  canaries = config.canaries.enabled
    ? new CanaryRuntime({
        config: () => current,
        target: () => gateway,
        state,
        store,
        clock,
        isLeader: () => status.detector.isLeader(),
        ...(options.random === undefined ? {} : { random: options.random }),
        onRun: (result) => metrics.recordCanary(result),
        onEvent: (event) =>
          app.log.warn(
            { quality: event.type, deployment: event.alarm.deployment, attribution: event.alarm.attribution },
            `quality alarm ${event.type} on ${event.alarm.deployment}`,
          ),
        onError: (error) => app.log.warn({ err: error }, 'canaries: store read or write failed'),
      })
    : undefined;
  if (canaries !== undefined) {
    gateway.quality = canaries;
    const judged = canaries;
    metrics.trackQuality(() => judged.alarmStates());
  }
  const status = createStatusService({
    config: () => current,
    table: () => gateway.table,
    state,
    clock,
    store,
    onEvent: (event) => app.log.info({ statusEvent: event.type }, 'status event'),
    quality: () => canaries,
  });
  const app = buildApp({
    bodyLimit: config.server.bodyLimit,
    requestTimeout: config.server.requestTimeout,
    bodyTimeout: config.server.bodyTimeout,
    maxConnectionsPerIp: config.server.maxConnectionsPerIp,
    logger: options.logger,
    gateway: () => gateway,
    metrics,
    status: () => status,
  });
  // The page has every component from the first request on; later evaluations run on the timer.
  await status.detector.evaluate();
  status.start();
  canaries?.start();
  const prober = new Prober({
    state,
    target: () => gateway,
    clock,
    intervalMs: config.health.probes.interval,
    onProbe: (deployment, record) => metrics.recordAttempt(deployment, record),
  });
  if (config.health.probes.enabled) prober.start();
  retention?.start();
  const host = listenHost;
  await app.listen({ port: options.port ?? config.server.port, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    app,
    state,
    prober,
    status,
    ...(requestLog === undefined ? {} : { requestLog }),
    ...(retention === undefined ? {} : { retention }),
    ...(sharedHealth === undefined ? {} : { sharedHealth }),
    ...(canaries === undefined ? {} : { canaries }),
    access,
    reload(nextWritten) {
      const next = withCatalogHosts(nextWritten);
      const plan = planConfigReload(current, next);
      for (const change of plan.restart)
        app.log.warn({ key: change.key }, `${change.key} changed: takes effect on restart`);
      const before = gateway.table;
      if (plan.live.length > 0) {
        const previous = transport;
        const nextTransport = new UpstreamTransport({ connectTimeoutMs: plan.effective.timeouts.connect });
        try {
          gateway = assemble(plan.effective, nextTransport);
        } catch (error) {
          void nextTransport.close().catch(() => undefined);
          throw error;
        }
        transport = nextTransport;
        current = plan.effective;
        // Requests in flight hold the old transport; let them finish before its pools close.
        void previous.close().catch(() => undefined);
        reconfigureRoutingState(state, current);
        status.reconfigure();
        prober.reschedule(current.health.probes.enabled, current.health.probes.interval);
      }
      const summary = summarizeReload(plan, state.adoptTable(before, gateway.table));
      app.log.info({ reload: summary }, `config reloaded: ${describeReload(summary)}`);
      return summary;
    },
    async close() {
      await prober.stop();
      await canaries?.stop();
      await app.close();
      // After the app: the spans of requests in flight have ended and are exported with the rest.
      await telemetry?.close().catch(() => undefined);
      await transport.close();
      // After the app: requests in flight have written their rows; before the store closes.
      await retention?.stop();
      await requestLog?.close();
      await access.close();
      await sharedHealth?.close();
      await status.close();
    },
  };
}

/** Fills in `hosts:` from the model catalog. @throws Error naming every model it cannot fill in. */
function withCatalogHosts(config: DetourConfig): DetourConfig {
  const { config: expanded, issues } = expandCatalogHosts(config, loadCatalog());
  if (issues.length > 0) {
    throw new Error(issues.map((issue) => `${formatKeyPath(issue.path)}: ${issue.message}`).join('\n'));
  }
  return expanded;
}
