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

/** The rate limit's arguments, read from ARGV[1..4]: rpm ('' = none), tpm ('' = none), tokens, now. */
const RATE_ARGS = `
local MINUTE = ${MINUTE_MS}
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
`;

/**
 * MemoryRateLimiter's admit, step for step, on one hash per key (KEYS[1]; rd, rda: GCRA debt and
 * when; tl, ta: token level and when), so replicas share one limit. Decides only: sets allowed,
 * refused (0 none, 1 requests, 2 tokens), retry (-1 none), debt, the new state (rd, rda, tl, ta)
 * and untaken (the token level before this request's tokens came off); writeRate stores it.
 * Numbers are written with %.17g: Lua's tostring keeps 14 digits, which would round a token level
 * or an epoch time. Shared with the combined admission script (redis-admission.ts).
 */
export const RATE_DECIDE = `${RATE_ARGS}
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
end
local untaken = tl
if tpm and allowed == 1 then tl = tl - tokens * MINUTE end
if rpm and allowed == 1 then
  rd, rda = debt + MINUTE, now
  debt = rd
end
local function writeRate(storedLevel)
  local f = '%.17g'
  redis.call('HSET', KEYS[1], 'rd', string.format(f, rd), 'rda', string.format(f, rda),
    'tl', string.format(f, storedLevel), 'ta', string.format(f, ta))
  -- Whole again once both the debt and the bucket's shortfall have run out; a minute more of slack.
  local whole = 0
  if rpm then whole = math.max(whole, debt / rpm) end
  if tpm then whole = math.max(whole, (tpm * MINUTE - tl) / tpm) end
  redis.call('PEXPIRE', KEYS[1], math.ceil(whole) + MINUTE)
end
local function rateReply()
  local f = '%.17g'
  return { allowed, refused, retry, string.format(f, debt), string.format(f, tl) }
end
`;

/**
 * The rate limit's admit. KEYS: the key's rate hash. ARGV: rpm, tpm, tokens, now.
 * Returns allowed (0/1), refusedBy (0 none, 1 requests, 2 tokens), retryAfterMs (-1 none), the
 * debt to report and the token level, as strings (Redis would truncate Lua numbers to integers).
 */
const ADMIT = luaScript(`${RATE_DECIDE}
writeRate(tl)
return rateReply()
`);

/**
 * The bucket's correction, as MemoryRateLimiter.correctTokens: a Lua function over the rate hash
 * `key`, shared with the combined settle script (redis-admission.ts).
 */
export const RATE_CORRECT = `
local function correctTokens(key, tpm, delta, now)
  local MINUTE = ${MINUTE_MS}
  local state = redis.call('HMGET', key, 'tl', 'ta')
  local tl = tonumber(state[1]) or tpm * MINUTE
  local ta = tonumber(state[2]) or now
  tl = math.min(tpm * MINUTE, tl + math.max(0, now - ta) * tpm)
  ta = math.max(ta, now)
  tl = math.min(tpm * MINUTE, tl - delta * MINUTE)
  local f = '%.17g'
  redis.call('HSET', key, 'tl', string.format(f, tl), 'ta', string.format(f, ta))
  local ttl = redis.call('PTTL', key)
  local whole = math.ceil((tpm * MINUTE - tl) / tpm) + MINUTE
  if ttl < whole then redis.call('PEXPIRE', key, whole) end
end
`;

/** ARGV: tpm, delta, now. */
const CORRECT = luaScript(`${RATE_CORRECT}
correctTokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return 1
`);

/** Where a key's rate limit state lives in Redis. */
export function rateKeyOf(state: RedisState, keyId: string): string {
  return `${state.prefix}rate:${keyId}`;
}

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
      const reply = await state.batched(
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
      .batched(CORRECT, [this.keyOf(keyId)], [limits.tpm, delta, now])
      .catch((error: unknown) => this.options.onError?.(error));
  }

  private keyOf(keyId: string): string {
    return rateKeyOf(this.options.state, keyId);
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

/** The decision in a rate limit script's reply. */
export function decisionOf(reply: unknown, limits: RateLimits): RateDecision {
  if (!Array.isArray(reply) || reply.length !== 5) throw new Error('rate limit script: unexpected reply');
  const [allowed, refused, retry, debt, level] = reply as [number, number, number, string, string];
  const decision: RateDecision = { allowed: allowed === 1 };
  if (refused !== 0) decision.refusedBy = refused === 1 ? 'requests' : 'tokens';
  if (retry >= 0) decision.retryAfterMs = retry;
  if (limits.tpm !== undefined) decision.tokens = tokenState(limits.tpm, Number(level));
  if (limits.rpm !== undefined) decision.requests = requestState(limits.rpm, Number(debt));
  return decision;
}
