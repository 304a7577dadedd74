import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a console login lasts (12 h): a working day, not a week-old tab. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Name of the console's session cookie. */
export const SESSION_COOKIE = 'detour_console';

/** A verified session: what the cookie carried. */
export interface ConsoleSession {
  /** The cookie value itself; the CSRF token is derived from it. */
  value: string;
  issuedAt: number;
  expiresAt: number;
}

/** Options of {@link createConsoleSessions}. */
export interface ConsoleSessionOptions {
  /** The current admin key (a function: a config reload may change it, which ends every session). */
  adminKey: () => string | undefined;
  now: () => number;
  ttlMs?: number;
  /** Random bytes for nonces; tests may pin them. */
  random?: (size: number) => Buffer;
}

/** Issues, checks and ends console sessions, and derives each session's CSRF token. */
export interface ConsoleSessions {
  /** A new session cookie value, or undefined when no admin key is configured. */
  issue(): string | undefined;
  /** The session a cookie value stands for, or undefined when it is forged, expired, ended or malformed. */
  verify(value: string | undefined): ConsoleSession | undefined;
  /** Ends a session before its expiry (logout). */
  end(session: ConsoleSession): void;
  /** The CSRF token that forms of this session must carry. */
  csrfToken(session: ConsoleSession): string;
  /** Whether a submitted token is this session's. */
  checkCsrf(session: ConsoleSession, token: unknown): boolean;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Stateless signed sessions: the cookie is `issuedAt.nonce.mac`, the MAC an HMAC-SHA256 under a key
 * derived from the admin key. Nobody can make one without the admin key, any replica sharing that key
 * accepts it, and changing the admin key ends every session. Logout is remembered in memory until the
 * session would have expired anyway (on other replicas the cookie is cleared from the browser only).
 */
export function createConsoleSessions(options: ConsoleSessionOptions): ConsoleSessions {
  const ttlMs = options.ttlMs ?? SESSION_TTL_MS;
  const random = options.random ?? randomBytes;
  const ended = new Map<string, number>();

  // Domain-separated keys, so a session MAC can never serve as a CSRF token or the other way round.
  const keyFor = (purpose: string): Buffer | undefined => {
    const adminKey = options.adminKey();
    if (adminKey === undefined) return undefined;
    return createHmac('sha256', adminKey).update(`detour console ${purpose} v1`).digest();
  };
  const mac = (purpose: string, text: string): string | undefined => {
    const key = keyFor(purpose);
    return key === undefined ? undefined : createHmac('sha256', key).update(text).digest('base64url');
  };

  const forgetEnded = (now: number) => {
    for (const [value, expiresAt] of ended) if (expiresAt <= now) ended.delete(value);
  };

  return {
    issue() {
      const body = `${options.now()}.${random(18).toString('base64url')}`;
      const signature = mac('session', body);
      return signature === undefined ? undefined : `${body}.${signature}`;
    },
    verify(value) {
      if (value === undefined) return undefined;
      const match = /^(\d{1,15})\.([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (match === null) return undefined;
      const expected = mac('session', `${match[1]}.${match[2]}`);
      if (expected === undefined || !sameText(expected, match[3] ?? '')) return undefined;
      const issuedAt = Number(match[1]);
      const now = options.now();
      const expiresAt = issuedAt + ttlMs;
      // A cookie from the future is as suspect as an old one (a skewed or forged clock).
      if (now >= expiresAt || issuedAt > now + 60_000) return undefined;
      forgetEnded(now);
      if (ended.has(value)) return undefined;
      return { value, issuedAt, expiresAt };
    },
    end(session) {
      ended.set(session.value, session.expiresAt);
    },
    csrfToken(session) {
      return mac('csrf', session.value) ?? '';
    },
    checkCsrf(session, token) {
      if (typeof token !== 'string' || token === '') return false;
      const expected = mac('csrf', session.value);
      return expected !== undefined && sameText(expected, token);
    },
  };
}

/** The cookies of a `Cookie` header, first value of each name winning. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    const name = part.slice(0, index).trim();
    if (name !== '' && !cookies.has(name)) cookies.set(name, part.slice(index + 1).trim());
  }
  return cookies;
}

/** The `Set-Cookie` value of a session: script cannot read it, other sites cannot send it. */
export function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/console; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}
