import type { IncomingHttpHeaders } from 'node:http';
import { type ChatRequest, DetourError } from '../core/index.js';
import type { ModelRoute, ModelTable } from '../routing/index.js';
import type { ClientKeyRecord } from '../store/index.js';
import { type Budgets, isBudgetRefusal, type Reservation } from './budget-guard.js';
import { presentedKey } from './client-key.js';
import { estimateRequest } from './estimate-request-cost.js';
import type { KeyDirectory } from './key-directory.js';
import { modelAllowed } from './model-scope.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import type { RateLimiter, RateLimits } from './rate-limiter.js';
import type { JointAccess, JointAdmission } from './redis-admission.js';

/** `keys`: every request needs a client key; `off`: the gateway is open (sandbox, or by choice). */
export type AuthMode = 'keys' | 'off';

/** Options of {@link AccessControl}. */
export interface AccessControlOptions {
  mode: AuthMode;
  keys: KeyDirectory;
  limiter: RateLimiter;
  budgets: Budgets;
  /**
   * Both steps in one round trip to the shared state, for keys with rate limits and a budget
   * (redis-admission.ts). Without it, or when it declines, the limiter and the budgets are asked
   * one after the other.
   */
  joint?: JointAccess;
  /** How long an unsettled reservation outlives the request's own deadline before it expires. */
  reservationGraceMs?: number;
}

/** What a request to a chat surface needs checked. */
export interface AdmissionInput {
  key: ClientKeyRecord;
  table: ModelTable;
  /** Undefined when no such model is configured: only the scope is checked, the caller answers 404. */
  route: ModelRoute | undefined;
  request: ChatRequest;
  now: number;
}

/** An admitted request's hold on its key's limits, released with what it actually used. */
export interface Admission {
  /** `x-ratelimit-*` headers for the answer. */
  headers: Record<string, string>;
  /** Corrects the tokens taken and replaces the budget reservation with the actual cost. */
  settle(used: { tokens: number; costUsd: number }, now: number): void;
}

/** A refusal with the headers its answer carries. */
export class AccessRefused extends DetourError {
  constructor(
    error: DetourError,
    readonly headers: Record<string, string>,
  ) {
    super(error.code, error.failureClass, error.message, {
      status: error.status,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    });
  }
}

function limitsOf(key: ClientKeyRecord): RateLimits {
  const limits: RateLimits = {};
  if (key.scopes.rpm !== undefined) limits.rpm = key.scopes.rpm;
  if (key.scopes.tpm !== undefined) limits.tpm = key.scopes.tpm;
  return limits;
}

const PERIOD_WORDS = { day: 'daily', week: 'weekly', month: 'monthly', total: 'total' } as const;

function usd(value: number): string {
  return `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/**
 * The access checks of DESIGN.md section 8, in their order: authenticate → model allowed → rate
 * limit → budget reservation; then, after the attempts, settle. Each refusal is a DetourError the
 * surface renders in its own format (401, 403, 429 with `retry-after`, 429 `insufficient_quota`).
 */
export class AccessControl {
  readonly mode: AuthMode;

  constructor(private readonly options: AccessControlOptions) {
    this.mode = options.mode;
  }

  /** The request's key; undefined with auth off. @throws DetourError 401. */
  async authenticate(headers: IncomingHttpHeaders, now: number): Promise<ClientKeyRecord | undefined> {
    if (this.mode === 'off') return undefined;
    return this.options.keys.authenticate(presentedKey(headers), now);
  }

  /** @throws AccessRefused 403 when the key's model globs do not allow `model`. */
  checkScope(key: ClientKeyRecord, model: string): void {
    if (modelAllowed(key.scopes.models, model)) return;
    throw new AccessRefused(
      new DetourError('permission_denied', 'client_error', `this API key may not use the model '${model}'`, {
        status: 403,
      }),
      {},
    );
  }

  /** Checks scope, rate limits and budget; holds what the request may use. @throws AccessRefused. */
  async admit(input: AdmissionInput): Promise<Admission> {
    const { key, route, request, now } = input;
    this.checkScope(key, request.model);
    if (route === undefined) return { headers: {}, settle: () => undefined };
    const estimate = estimateRequest(input.table, route, request);
    const limits = limitsOf(key);
    const estimatedTokens = estimate.promptTokens + (request.maxTokens ?? 0);
    const budget = key.scopes.budget;
    const expiresAt = now + route.totalTimeoutMs + (this.options.reservationGraceMs ?? 60_000);
    const joint = this.options.joint;
    let both: JointAdmission | undefined;
    if (joint !== undefined && budget !== undefined) {
      both = await joint.admitAndReserve(
        key.id,
        limits,
        estimatedTokens,
        budget,
        estimate.worstCaseUsd,
        now,
        expiresAt,
      );
    }
    let decision = both?.decision;
    if (decision === undefined) {
      const answer = this.options.limiter.admit(key.id, limits, estimatedTokens, now);
      // The memory limiter answers at once: no promise is made or awaited for it.
      decision = answer instanceof Promise ? await answer : answer;
    }
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      const what =
        decision.refusedBy === 'requests'
          ? `${limits.rpm} requests per minute`
          : decision.retryAfterMs === undefined
            ? `${limits.tpm} tokens per minute, and this request alone is estimated at ${estimatedTokens}`
            : `${limits.tpm} tokens per minute`;
      throw new AccessRefused(
        new DetourError(
          'rate_limit_exceeded',
          'rate_limited',
          `rate limit reached for this API key: ${what}`,
          {
            status: 429,
            ...(decision.retryAfterMs === undefined ? {} : { retryAfterMs: decision.retryAfterMs }),
          },
        ),
        headers,
      );
    }
    let reservation: Reservation | undefined;
    if (budget !== undefined) {
      let held: Awaited<ReturnType<Budgets['reserve']>>;
      try {
        held =
          both?.held ??
          (await this.options.budgets.reserve(key.id, budget, estimate.worstCaseUsd, now, expiresAt));
      } catch {
        this.options.limiter.correctTokens(key.id, limits, -estimatedTokens, now);
        throw new AccessRefused(
          new DetourError(
            'internal_error',
            'server_error',
            "this API key's spend could not be read, so its budget cannot be checked; try again",
            { status: 503, retryAfterMs: 1_000 },
          ),
          headers,
        );
      }
      if (isBudgetRefusal(held)) {
        // The request never ran: its tokens go back (the joint script gave them back already).
        if (both === undefined) this.options.limiter.correctTokens(key.id, limits, -estimatedTokens, now);
        const { snapshot } = held;
        const resets =
          snapshot.periodEnd === undefined
            ? ''
            : `; it resets at ${new Date(snapshot.periodEnd).toISOString()}`;
        throw new AccessRefused(
          new DetourError(
            'budget_exceeded',
            'quota',
            `this API key's ${PERIOD_WORDS[budget.period]} budget of ${usd(budget.usd)} cannot cover this request (spent ${usd(snapshot.spentUsd)}, ${usd(snapshot.reservedUsd)} held by requests in flight, up to ${usd(estimate.worstCaseUsd)} for this one)${resets}`,
            {
              status: 429,
              ...(snapshot.periodEnd === undefined ? {} : { retryAfterMs: snapshot.periodEnd - now }),
            },
          ),
          headers,
        );
      }
      reservation = held;
    }
    const budgets = this.options.budgets;
    const limiter = this.options.limiter;
    let settled = false;
    return {
      headers,
      settle(used, at) {
        if (settled) return;
        settled = true;
        const delta = used.tokens - estimatedTokens;
        if (
          reservation !== undefined &&
          joint?.correctAndSettle(reservation, limits, delta, used.costUsd, at)
        )
          return;
        limiter.correctTokens(key.id, limits, delta, at);
        if (reservation !== undefined) budgets.settle(reservation, used.costUsd, at);
      },
    };
  }
}
