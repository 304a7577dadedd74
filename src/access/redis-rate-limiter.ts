import {
  MemoryRateLimiter,
  MINUTE_MS,
  type RateDecision,
  type RateLimiter,
  type RateLimits,
  requestState,
  tokenState,
} from './rate-limiter.js';
import { luaScript, type RedisState } from './redis-state.js';

/**
 * MemoryRateLimiter's admit, step for step, on one hash per key (rd, rda: GCRA debt and when;
 * tl, ta: token level and when), so replicas share one limit. Numbers are written with %.17g:
 * Lua's tostring keeps 14 digits, which would round a token level or an epoch time.
 * ARGV: rpm ('' = none), tpm ('' = none), tokens, now.
 * Returns allowed (0/1), refusedBy (0 none, 1 requests, 2 tokens), retryAfterMs (-1 none), the
 * debt to report and the token level, as strings (Redis would truncate Lua numbers to integers).
 */
const ADMIT = luaScript(`
local MINUTE = ${MINUTE_MS}
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'rd', 'rda', 'tl', 'ta')
local rd = tonumber(state[1]) or 0
local rda = tonumber(state[2]) or now
local tl = tonumber(state[3]) or (tpm or 0) * MINUTE
local ta = tonumber(state[4]) or now
local allowed, refused, retry, debt = 1, 0, -1, 0
if rpm then
  debt = math.max(0, rd - (now - rda) * rpm)
  local tolerance = MINUTE * (rpm - 1)
  if debt > tolerance then
    allowed, refused, retry = 0, 1, math.ceil((debt - tolerance) / rpm)
  end
end
if tpm then
  tl = math.min(tpm * MINUTE, tl + math.max(0, now - ta) * tpm)
  ta = math.max(ta, now)
  local needed = tokens * MINUTE
  if allowed == 1 and needed > tl then
    allowed, refused = 0, 2
    -- A request larger than a whole minute's tokens never fits.
    if tokens <= tpm then retry = math.ceil((needed - tl) / tpm) end
  end
  if allowed == 1 then tl = tl - needed end
end
if rpm and allowed == 1 then
  rd, rda = debt + MINUTE, now
  debt = rd
end
local f = '%.17g'
redis.call('HSET', KEYS[1], 'rd', string.format(f, rd), 'rda', string.format(f, rda),
  'tl', string.format(f, tl), 'ta', string.format(f, ta))
-- Whole again once both the debt and the bucket's shortfall have run out; a minute more of slack.
local whole = 0
if rpm then whole = math.max(whole, debt / rpm) end
if tpm then whole = math.max(whole, (tpm * MINUTE - tl) / tpm) end
redis.call('PEXPIRE', KEYS[1], math.ceil(whole) + MINUTE)
return { allowed, refused, retry, string.format(f, debt), string.format(f, tl) }
`);

/** ARGV: tpm, delta, now. The bucket's correction, as MemoryRateLimiter.correctTokens. */
const CORRECT = luaScript(`
local MINUTE = ${MINUTE_MS}
local tpm = tonumber(ARGV[1])
local delta = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tl', 'ta')
local tl = tonumber(state[1]) or tpm * MINUTE
local ta = tonumber(state[2]) or now
tl = math.min(tpm * MINUTE, tl + math.max(0, now - ta) * tpm)
ta = math.max(ta, now)
tl = math.min(tpm * MINUTE, tl - delta * MINUTE)
local f = '%.17g'
redis.call('HSET', KEYS[1], 'tl', string.format(f, tl), 'ta', string.format(f, ta))
local ttl = redis.call('PTTL', KEYS[1])
local whole = math.ceil((tpm * MINUTE - tl) / tpm) + MINUTE
if ttl < whole then redis.call('PEXPIRE', KEYS[1], whole) end
return 1
`);

/** Options of {@link RedisRateLimiter}. */
export interface RedisRateLimiterOptions {
  state: RedisState;
  /** A script call failed (the request was decided locally instead). */
  onError?: (error: unknown) => void;
}

/**
 * The limits of {@link MemoryRateLimiter} shared by every replica through Redis: one script call
 * per decision, with the caller's clock (not Redis TIME), so tests and replicas agree on time.
 * When Redis cannot be reached the decision is taken locally against this replica's share of each
 * limit (the limit ÷ the replicas last seen), so the fleet together stays near the limit.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly local = new MemoryRateLimiter();

  constructor(private readonly options: RedisRateLimiterOptions) {}

  async admit(keyId: string, limits: RateLimits, tokens: number, now: number): Promise<RateDecision> {
    if (limits.rpm === undefined && limits.tpm === undefined) return { allowed: true };
    const { state } = this.options;
    if (!state.up) return this.local.admit(keyId, this.share(limits), tokens, now);
    try {
      const reply = await state.run(
        ADMIT,
        [this.keyOf(keyId)],
        [limits.rpm ?? '', limits.tpm ?? '', tokens, now],
      );
      return decisionOf(reply, limits);
    } catch (error) {
      this.options.onError?.(error);
      return this.local.admit(keyId, this.share(limits), tokens, now);
    }
  }

  correctTokens(keyId: string, limits: RateLimits, delta: number, now: number): void {
    if (limits.tpm === undefined || delta === 0) return;
    const { state } = this.options;
    if (!state.up) {
      this.local.correctTokens(keyId, this.share(limits), delta, now);
      return;
    }
    state
      .run(CORRECT, [this.keyOf(keyId)], [limits.tpm, delta, now])
      .catch((error: unknown) => this.options.onError?.(error));
  }

  private keyOf(keyId: string): string {
    return `${this.options.state.prefix}rate:${keyId}`;
  }

  /** This replica's share of each limit, at least 1 so a key is never shut out by the division. */
  private share(limits: RateLimits): RateLimits {
    const replicas = this.options.state.replicas;
    if (replicas <= 1) return limits;
    const shared: RateLimits = {};
    if (limits.rpm !== undefined) shared.rpm = Math.max(1, Math.floor(limits.rpm / replicas));
    if (limits.tpm !== undefined) shared.tpm = Math.max(1, Math.floor(limits.tpm / replicas));
    return shared;
  }
}

function decisionOf(reply: unknown, limits: RateLimits): RateDecision {
  if (!Array.isArray(reply) || reply.length !== 5) throw new Error('rate limit script: unexpected reply');
  const [allowed, refused, retry, debt, level] = reply as [number, number, number, string, string];
  const decision: RateDecision = { allowed: allowed === 1 };
  if (refused !== 0) decision.refusedBy = refused === 1 ? 'requests' : 'tokens';
  if (retry >= 0) decision.retryAfterMs = retry;
  if (limits.tpm !== undefined) decision.tokens = tokenState(limits.tpm, Number(level));
  if (limits.rpm !== undefined) decision.requests = requestState(limits.rpm, Number(debt));
  return decision;
}
