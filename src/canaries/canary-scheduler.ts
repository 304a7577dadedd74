import type { Clock } from '../core/index.js';
import type { DeploymentStatus } from '../health/index.js';
import type { Deployment } from '../routing/index.js';
import type { Store } from '../store/index.js';
import type { CanaryCase, CanaryResult } from './types.js';

/** Runs one canary on one deployment (normally {@link runCanary} with its grader and transport bound). */
export type SendCanary = (
  deployment: Deployment,
  canary: CanaryCase,
  signal: AbortSignal,
) => Promise<CanaryResult>;

/** Why a due deployment got no canary. */
export type CanarySkipReason =
  | 'ejected'
  | 'half_open'
  | 'cooling'
  | 'drained'
  | 'disabled'
  | 'cap'
  | 'pacing';

/** Monthly canary spend caps in USD: `default` for every provider, overridden by name. */
export type MonthlyCaps = { default: number } & Readonly<Record<string, number>>;

/** Options of a {@link CanaryScheduler}. */
export interface CanarySchedulerOptions {
  /** The deployments to watch, read at each tick (a config reload applies at once). */
  deployments: () => readonly Deployment[];
  /** The cases to rotate through, read at each tick. */
  cases: () => readonly CanaryCase[];
  send: SendCanary;
  /** A deployment's breaker and admission status (`HealthStore.status`, a pure read). */
  status: (deploymentId: string) => DeploymentStatus;
  store: Pick<Store, 'recordCanaryResults' | 'sumCanaryCost'>;
  clock: Clock;
  /** Random numbers in [0, 1) for jitter; `Math.random` when absent. */
  random?: () => number;
  /** Mean time between two canaries of one deployment, in ms (config `canaries.every`). */
  everyMs?: number;
  /** Each gap is `everyMs` × (1 ± jitter), uniform; default 0.2. */
  jitter?: number;
  /** USD per provider per UTC calendar month (config `canaries.monthlyCapUsd`). */
  monthlyCapUsd: MonthlyCaps;
  /** How often the timer ticks, in ms; default 1 s. */
  tickMs?: number;
  /**
   * Awaited at the start of every tick, before `deployments()` is read: the caller's chance to
   * get ready (read history into its statistics after taking the lease) before anything is sent.
   */
  ready?: () => Promise<void> | undefined;
  /** Told of every result once stored (the drift statistics). */
  onResult?: (result: CanaryResult) => void;
  /** Told of every due canary not sent, and why. */
  onSkip?: (deployment: Deployment, reason: CanarySkipReason) => void;
  /** Reports a store read or write that failed. */
  onError?: (error: unknown) => void;
}

const DEFAULT_EVERY_MS = 20_000;
const DEFAULT_JITTER = 0.2;
const DAY_MS = 86_400_000;
/** Bytes of JSON framing a prompt may carry beyond its text; generous, it only bounds the estimate. */
const PROMPT_FRAMING_TOKENS = 64;
/** Tokens a vendor may add per offered tool (its tool-use system prompt and the tool's rendering). */
const TOOL_OVERHEAD_TOKENS = 500;
/** Output bound when neither the case nor the catalog gives one. */
const FALLBACK_MAX_OUTPUT = 4_096;

/** Start of the UTC calendar month of `now`, and of the next. */
export function utcMonthOf(now: number): { start: number; end: number } {
  const date = new Date(now);
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const end = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
  return { start, end };
}

/**
 * The most a run of `canary` on `deployment` can cost: every prompt byte counted as a token (no
 * tokenizer makes tokens shorter than a byte) plus framing, and the full output allowance, at the
 * deployment's prices. 0 when the deployment has no known price.
 */
export function worstCaseCostUsd(deployment: Deployment, canary: CanaryCase): number {
  const price = deployment.price;
  if (price === undefined) return 0;
  const { system, messages, tools } = canary.request;
  const promptTokens =
    Buffer.byteLength(JSON.stringify({ system, messages, tools }), 'utf8') +
    PROMPT_FRAMING_TOKENS +
    (tools?.length ?? 0) * TOOL_OVERHEAD_TOKENS;
  const outputTokens = canary.request.maxTokens ?? deployment.maxOutput ?? FALLBACK_MAX_OUTPUT;
  const inputPrice = Math.max(price.input, price.cacheWrite ?? 0, price.cachedInput ?? 0);
  return (promptTokens * inputPrice + outputTokens * price.output) / 1_000_000;
}

/** Why a deployment's health keeps canaries off it, or undefined when they may run. */
export function pauseReasonOf(status: DeploymentStatus): CanarySkipReason | undefined {
  if (status.disabled !== undefined) return 'disabled';
  if (status.drained) return 'drained';
  if (status.state === 'open') return 'ejected';
  if (status.state === 'half_open') return 'half_open';
  if (status.coolingUntil !== undefined) return 'cooling';
  return undefined;
}

interface DeploymentTurn {
  nextAt: number;
  caseIndex: number;
  running: boolean;
}

interface ProviderSpend {
  monthStart: number;
  /** Spent this month per the results (rebuilt from the store when the month is first seen). */
  spent: number;
  /** Worst-case cost of runs in flight. */
  reserved: number;
}

/**
 * Sends canaries to every deployment a few times a minute (DESIGN.md §7 "Quality canaries"),
 * rotating through the cases, each gap jittered so deployments do not fire together. A deployment
 * that health keeps from traffic (ejected, half-open, cooling, drained, disabled) is paused: its
 * errors are availability's business, and canaries must not compete with its trials. Each
 * provider's canaries stay under a monthly USD cap, checked before sending with the run's
 * worst-case cost, and paced: by a given day of the month at most the share of the cap the month
 * has used up so far, plus one day's, may be spent, so a cap lasts the whole month.
 */
export class CanaryScheduler {
  private readonly options: CanarySchedulerOptions;
  private readonly everyMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private readonly turns = new Map<string, DeploymentTurn>();
  private readonly spend = new Map<string, ProviderSpend>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(options: CanarySchedulerOptions) {
    this.options = options;
    this.everyMs = options.everyMs ?? DEFAULT_EVERY_MS;
    this.jitter = options.jitter ?? DEFAULT_JITTER;
    this.random = options.random ?? Math.random;
  }

  /** Ticks every `tickMs` (unref'd). */
  start(): void {
    if (this.timer !== undefined || this.controller.signal.aborted) return;
    this.timer = setInterval(() => {
      this.tick(this.options.clock.now()).catch((error: unknown) => this.options.onError?.(error));
    }, this.options.tickMs ?? 1_000);
    this.timer.unref();
  }

  /** Stops ticking, aborts canaries in flight and waits for them. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.controller.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** A gap of `everyMs` × (1 ± jitter). */
  nextGap(): number {
    return this.everyMs * (1 + this.jitter * (2 * this.random() - 1));
  }

  /** What a provider's canaries have spent this month, in flight excluded (after a tick has seen it). */
  spentThisMonth(provider: string): number {
    return this.spend.get(provider)?.spent ?? 0;
  }

  /**
   * Sends a canary to every deployment due at `now` that is neither paused nor over its provider's
   * cap. Resolves when those canaries have ended and their results are stored.
   */
  async tick(now: number): Promise<void> {
    await this.options.ready?.();
    const deployments = this.options.deployments();
    // No deployments to watch (this replica lost the lease, say): forget the spend it counted, so
    // that when it watches again it reads what others spent meanwhile from the store.
    if (deployments.length === 0) this.spend.clear();
    const cases = this.options.cases();
    if (cases.length === 0) return;
    const started: Promise<void>[] = [];
    const seen = new Set<string>();
    for (const deployment of deployments) {
      seen.add(deployment.deploymentId);
      let turn = this.turns.get(deployment.deploymentId);
      if (turn === undefined) {
        // A new deployment starts somewhere in its first gap, so a fleet does not fire at once.
        turn = { nextAt: now + this.random() * this.everyMs, caseIndex: 0, running: false };
        this.turns.set(deployment.deploymentId, turn);
      }
      if (turn.running || now < turn.nextAt) continue;
      turn.nextAt = now + this.nextGap();
      const paused = pauseReasonOf(this.options.status(deployment.deploymentId));
      if (paused !== undefined) {
        this.options.onSkip?.(deployment, paused);
        continue;
      }
      const canary = cases[turn.caseIndex % cases.length] as CanaryCase;
      const spend = await this.spendOf(deployment.provider.name, now);
      // Stopped while reading the spend: nothing more is launched (stop() waits only for runs it knows).
      if (spend === undefined || this.controller.signal.aborted) continue;
      const estimate = worstCaseCostUsd(deployment, canary);
      const refusal = this.refusal(deployment.provider.name, spend, estimate, now);
      if (refusal !== undefined) {
        // The same case is tried again next time, so the rotation stays fair under the cap.
        this.options.onSkip?.(deployment, refusal);
        continue;
      }
      turn.caseIndex = (turn.caseIndex + 1) % cases.length;
      started.push(this.launch(deployment, canary, turn, spend, estimate));
    }
    for (const id of this.turns.keys()) if (!seen.has(id)) this.turns.delete(id);
    await Promise.all(started);
  }

  private refusal(
    provider: string,
    spend: ProviderSpend,
    estimate: number,
    now: number,
  ): CanarySkipReason | undefined {
    const cap = this.capOf(provider);
    const committed = spend.spent + spend.reserved + estimate;
    if (committed > cap) return 'cap';
    const month = utcMonthOf(now);
    const allowance =
      (cap * Math.min(month.end - month.start, now - month.start + DAY_MS)) / (month.end - month.start);
    if (committed > allowance) return 'pacing';
    return undefined;
  }

  private capOf(provider: string): number {
    const caps = this.options.monthlyCapUsd;
    return Object.hasOwn(caps, provider) ? (caps[provider] as number) : caps.default;
  }

  /** The provider's spend this month, read from the store the first time a month is seen; undefined when that read failed. */
  private async spendOf(provider: string, now: number): Promise<ProviderSpend | undefined> {
    const monthStart = utcMonthOf(now).start;
    const known = this.spend.get(provider);
    if (known !== undefined && known.monthStart === monthStart) return known;
    let spent: number;
    try {
      spent = await this.options.store.sumCanaryCost(provider, monthStart);
    } catch (error) {
      this.options.onError?.(error);
      return undefined;
    }
    // Another tick may have read it while this one waited.
    const raced = this.spend.get(provider);
    if (raced !== undefined && raced.monthStart === monthStart) return raced;
    // Runs still in flight from last month keep their reservation in the new month's books: their
    // cost lands in whichever month they end in, which is conservative.
    const fresh: ProviderSpend = { monthStart, spent, reserved: known?.reserved ?? 0 };
    this.spend.set(provider, fresh);
    return fresh;
  }

  private launch(
    deployment: Deployment,
    canary: CanaryCase,
    turn: DeploymentTurn,
    spend: ProviderSpend,
    estimate: number,
  ): Promise<void> {
    turn.running = true;
    spend.reserved += estimate;
    const run = this.run(deployment, canary, estimate).finally(() => {
      turn.running = false;
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
    return run;
  }

  private async run(deployment: Deployment, canary: CanaryCase, estimate: number): Promise<void> {
    const provider = deployment.provider.name;
    let result: CanaryResult | undefined;
    try {
      result = await this.options.send(deployment, canary, this.controller.signal);
    } catch (error) {
      this.options.onError?.(error);
    }
    // The reservation moves to whichever month's books are current now.
    const spend = this.spend.get(provider);
    if (spend !== undefined) {
      spend.reserved = Math.max(0, spend.reserved - estimate);
      // A sender that threw may have been billed; count the worst case rather than nothing.
      spend.spent += result === undefined ? estimate : result.costUsd;
    }
    if (result === undefined) return;
    try {
      await this.options.store.recordCanaryResults([result]);
    } catch (error) {
      this.options.onError?.(error);
    }
    this.options.onResult?.(result);
  }
}
