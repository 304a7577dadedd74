import type { Budget, BudgetRefusal, Reservation } from './budget-guard.js';
import type { RateDecision, RateLimits } from './rate-limiter.js';
import { BUDGET_RESERVE, BUDGET_SETTLE, type RedisBudgetGuard } from './redis-budget-guard.js';
import { decisionOf, RATE_CORRECT, RATE_DECIDE, rateKeyOf } from './redis-rate-limiter.js';
import { luaScript, type RedisState } from './redis-state.js';

/**
 * The rate limit's admission and the budget's reservation in one call, in AccessControl's order.
 * KEYS: rate hash, spend hash, holds hash, expiry index. ARGV: rpm, tpm, tokens, now (the rate limit's), then
 * usd, now, expiresAt, id, limit, tolerance, spend ttl (the budget's).
 * - Refused by the rate limit: written as the rate limit alone writes it; the budget is not
 *   looked at. Reply ['rate', _, _, rate].
 * - Spend counter missing: nothing is written, reply ['reseed']; the caller reseeds and calls again.
 * - Refused by the budget: the request still counts against requests per minute and its tokens go
 *   back, as admit then correctTokens(-tokens) at the same instant did. The rate reply reports the
 *   level with the tokens taken, as the headers of that refusal always did.
 * - Admitted: both written. Reply [verdict, spent, reserved, rate].
 */
const ADMIT_RESERVE = luaScript(`${RATE_DECIDE}
${BUDGET_RESERVE}
if allowed == 0 then
  writeRate(tl)
  return { 'rate', '', '', rateReply() }
end
local verdict, spent, reserved = reserveBudget(KEYS[2], KEYS[3], KEYS[4], ARGV[5], tonumber(ARGV[6]), ARGV[7],
  ARGV[8], tonumber(ARGV[9]), tonumber(ARGV[10]), ARGV[11])
if verdict == 'reseed' then return { 'reseed' } end
if verdict == 'refused' then writeRate(untaken) else writeRate(tl) end
local f = '%.17g'
return { verdict, string.format(f, spent), string.format(f, reserved), rateReply() }
`);

/**
 * The token correction and the settlement in one call. KEYS: rate hash, spend hash, holds hash, expiry index.
 * ARGV: tpm, delta, now, then id, usd. Replies the new spend, or false.
 */
const CORRECT_SETTLE = luaScript(`${RATE_CORRECT}
${BUDGET_SETTLE}
correctTokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return settleBudget(KEYS[2], KEYS[3], KEYS[4], ARGV[4], ARGV[5])
`);

/** The rate decision and, when the rate limit admitted, the budget's answer. */
export interface JointAdmission {
  decision: RateDecision;
  /** Undefined when the rate limit refused (the budget was not asked). */
  held: Reservation | BudgetRefusal | undefined;
}

/**
 * What AccessControl uses, when a key has both rate limits and a budget, to save round trips to
 * the shared state. Either method may decline (undefined / false): the caller then does the two
 * steps apart, as without it (Redis down, a script failing: each falls back on its own).
 */
export interface JointAccess {
  admitAndReserve(
    keyId: string,
    limits: RateLimits,
    tokens: number,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
  ): Promise<JointAdmission | undefined>;
  correctAndSettle(
    reservation: Reservation,
    limits: RateLimits,
    delta: number,
    usd: number,
    now: number,
  ): boolean;
}

/** Options of {@link RedisJointAccess}. */
export interface RedisJointAccessOptions {
  state: RedisState;
  budgets: RedisBudgetGuard;
  /** A script call failed (the two steps are then taken apart). */
  onError?: (error: unknown) => void;
}

/**
 * One Redis round trip to admit (rate limit then budget) and one, after the answer, to settle
 * (token correction and cost), instead of two each: see DESIGN.md section 9.
 */
export class RedisJointAccess implements JointAccess {
  constructor(private readonly options: RedisJointAccessOptions) {}

  async admitAndReserve(
    keyId: string,
    limits: RateLimits,
    tokens: number,
    budget: Budget,
    usd: number,
    now: number,
    expiresAt: number,
  ): Promise<JointAdmission | undefined> {
    const { state, budgets } = this.options;
    if (!state.up) return undefined;
    if (limits.rpm === undefined && limits.tpm === undefined) return undefined;
    try {
      const answer = await budgets.reserveAlong(keyId, budget, usd, now, expiresAt, {
        script: ADMIT_RESERVE,
        keys: [rateKeyOf(state, keyId)],
        args: [limits.rpm ?? '', limits.tpm ?? '', tokens, now],
      });
      return { decision: decisionOf(answer.along, limits), held: answer.held };
    } catch (error) {
      // As each script alone did: the steps are taken apart, each falling back on its own. (A reply
      // lost after the script ran would count this request twice, as it would have before.)
      this.options.onError?.(error);
      return undefined;
    }
  }

  correctAndSettle(
    reservation: Reservation,
    limits: RateLimits,
    delta: number,
    usd: number,
    now: number,
  ): boolean {
    const { state, budgets } = this.options;
    if (limits.tpm === undefined || delta === 0) return false;
    return budgets.settleAlong(reservation, usd, now, {
      script: CORRECT_SETTLE,
      keys: [rateKeyOf(state, reservation.keyId)],
      args: [limits.tpm, delta, now],
    });
  }
}
