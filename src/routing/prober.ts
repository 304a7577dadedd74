import { type ChatRequest, type Clock, type ProtocolName, toDetourError } from '../core/index.js';
import type { TrialLease } from '../health/index.js';
import { codecFor } from '../protocols/index.js';
import { openStream, type UpstreamTransport } from '../providers/index.js';
import type { AttemptRecord } from './execute.js';
import type { Deployment, ModelTable } from './model-table.js';
import { outcomeOf } from './outcome-of.js';
import type { RoutingState } from './routing-state.js';

/** What a probe reaches hosts through; read at each tick, so a config reload applies at once. */
export interface ProbeTarget {
  table: ModelTable;
  transport: UpstreamTransport;
}

/** Options of a {@link Prober}. */
export interface ProberOptions {
  /** Health to read and feed. */
  state: RoutingState;
  /** The current models and transport. */
  target: () => ProbeTarget;
  /** Time source. */
  clock: Clock;
  /** How often to look for deployments due for a probe, in ms. */
  intervalMs: number;
  /** Told about every probe, like a real attempt (metrics, logs). */
  onProbe?: (deployment: Deployment, record: AttemptRecord) => void;
}

// DESIGN.md §7: a real tiny streaming request to the same model, so it exercises the data path.
const PROBE_MAX_TOKENS = 8;

/**
 * Active probes: a half-open deployment that real traffic does not reach (its healthy peers take
 * it all) gets a real, tiny, streaming request as its trial, so it can be restored without
 * waiting for every other deployment to fail first; and an ejected deployment gets the same request
 * as a health check every `health.probes.healthCheck`, so a host that recovers early in a long
 * ejection is tried again within seconds rather than at the ejection's end.
 */
export class Prober {
  private readonly options: ProberOptions;
  private intervalMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly controller = new AbortController();

  constructor(options: ProberOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs;
  }

  /** Starts probing every `intervalMs`. */
  start(): void {
    if (this.timer !== undefined || this.controller.signal.aborted) return;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * Turns probing on or off and sets its interval (a config reload). Probes in flight are not
   * aborted: they settle their trials as usual. After {@link stop}, probing stays stopped.
   */
  reschedule(enabled: boolean, intervalMs: number): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.intervalMs = intervalMs;
    if (enabled) this.start();
  }

  /** Stops probing and waits for probes in flight (they are aborted). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.controller.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Sends a health check to every ejected deployment due for one, and trials to every half-open one
   * due — as many at once as it has free trial slots, so a recovered host is restored in one round
   * trip rather than one probe interval per trial. Resolves when those probes have ended.
   */
  tick(): Promise<void> {
    const { state, clock } = this.options;
    const now = clock.now();
    // The prober is one of the two places time is stepped forward (the request path is the other):
    // ejections that ended become half-open, lost trial leases reopen, even with no traffic at all.
    state.health.advance(now);
    const started: Promise<void>[] = [];
    for (const id of state.health.dueForHealthCheck(now)) {
      const deployment = this.find(id);
      if (deployment === undefined) continue;
      state.health.breaker(id).markChecked(now);
      started.push(this.launch(deployment, undefined));
    }
    for (const id of state.health.dueForProbe(now)) {
      const deployment = this.find(id);
      if (deployment === undefined) continue;
      for (;;) {
        const lease = state.health.breaker(id).acquireTrial(now);
        if (lease === undefined) break;
        started.push(this.launch(deployment, lease));
      }
    }
    return Promise.all(started).then(() => undefined);
  }

  /** Starts one probe, tracked so {@link stop} can wait for it. */
  private launch(deployment: Deployment, lease: TrialLease | undefined): Promise<void> {
    const probe = this.probe(deployment, lease).finally(() => this.inFlight.delete(probe));
    this.inFlight.add(probe);
    return probe;
  }

  private find(id: string): Deployment | undefined {
    for (const route of this.options.target().table.list()) {
      const deployment = route.deployments.find((candidate) => candidate.deploymentId === id);
      if (deployment !== undefined) return deployment;
    }
    return undefined;
  }

  /**
   * One probe. With a `lease` it is a half-open trial, and its outcome settles the lease; without,
   * it is a health check of an ejected deployment and, when it passes, ends the ejection early.
   */
  private async probe(deployment: Deployment, lease: TrialLease | undefined): Promise<void> {
    const { state, clock } = this.options;
    // The probe speaks the host's own format when a client could (fast path, as real traffic
    // would); for formats only hosts speak it is an OpenAI client, translated.
    const wire = deployment.provider.wireFor(deployment.upstreamModel);
    const protocol: ProtocolName = wire === 'anthropic-messages' ? wire : 'openai-chat';
    const request: ChatRequest = {
      model: deployment.modelName,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Reply with the single word OK.' }] }],
      maxTokens: PROBE_MAX_TOKENS,
      stream: true,
      metadata: {},
      vendorOptions: {},
    };
    const signal = AbortSignal.any([
      this.controller.signal,
      AbortSignal.timeout(deployment.timeouts.firstTokenMs + deployment.timeouts.idleMs),
    ]);
    const startedAt = clock.now();
    const record: AttemptRecord = {
      deploymentId: deployment.deploymentId,
      outcome: 'success',
      startedAt,
      latencyMs: 0,
      trial: true,
    };
    try {
      const stream = openStream(deployment, {
        request,
        clientProtocol: protocol,
        rawBody: codecFor(protocol).encodeRequest(request, deployment.upstreamModel),
        clientHeaders: {},
        signal,
        transport: this.options.target().transport,
        clock,
      });
      for await (const chunk of stream) {
        if (chunk.content && record.timeToFirstTokenMs === undefined) {
          record.timeToFirstTokenMs = clock.now() - startedAt;
        }
      }
    } catch (thrown) {
      const error = toDetourError(thrown);
      record.outcome = error.failureClass;
      record.error = error;
      if (this.controller.signal.aborted) record.abandoned = true;
    }
    const endedAt = clock.now();
    record.latencyMs = endedAt - startedAt;
    const breaker = state.health.breaker(deployment.deploymentId);
    if (!record.abandoned) state.health.record(outcomeOf(record, endedAt), lease);
    else if (lease !== undefined) breaker.settleTrial(lease, 'abandoned', endedAt);
    if (lease === undefined && record.outcome === 'success') breaker.endEjectionEarly(endedAt);
    this.options.onProbe?.(deployment, record);
  }
}
