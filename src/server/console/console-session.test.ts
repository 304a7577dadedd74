import { describe, expect, it } from 'vitest';
import { createConsoleSessions, parseCookies, SESSION_TTL_MS, sessionCookie } from './console-session.js';

function setup(adminKey: string | undefined = 'admin-key-1') {
  const clock = { now: 1_000_000 };
  const key: { value: string | undefined } = { value: adminKey };
  const sessions = createConsoleSessions({ adminKey: () => key.value, now: () => clock.now });
  return { clock, key, sessions };
}

describe('createConsoleSessions', () => {
  it('accepts the cookie it issued until the session expires', () => {
    const { clock, sessions } = setup();
    const value = sessions.issue();
    expect(value).toBeDefined();
    expect(sessions.verify(value)?.expiresAt).toBe(1_000_000 + SESSION_TTL_MS);
    clock.now += SESSION_TTL_MS - 1;
    expect(sessions.verify(value)).toBeDefined();
    clock.now += 1;
    expect(sessions.verify(value)).toBeUndefined();
  });

  it('refuses a forged cookie: a changed time, nonce or signature, or one signed under another key', () => {
    const { sessions } = setup();
    const value = sessions.issue() ?? '';
    const [issuedAt, nonce, mac] = value.split('.');
    expect(sessions.verify(`${Number(issuedAt) + 1}.${nonce}.${mac}`)).toBeUndefined();
    expect(sessions.verify(`${issuedAt}.${nonce}x.${mac}`)).toBeUndefined();
    expect(
      sessions.verify(`${issuedAt}.${nonce}.${mac?.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`),
    ).toBeUndefined();
    const other = setup('another-admin-key').sessions.issue();
    expect(sessions.verify(other)).toBeUndefined();
    for (const junk of [undefined, '', 'x', '1.2.3', `${value}.extra`])
      expect(sessions.verify(junk)).toBeUndefined();
  });

  it('ends every session when the admin key changes, and issues none without one', () => {
    const { key, sessions } = setup();
    const value = sessions.issue();
    key.value = 'rotated';
    expect(sessions.verify(value)).toBeUndefined();
    key.value = undefined;
    expect(sessions.issue()).toBeUndefined();
    expect(sessions.verify(value)).toBeUndefined();
  });

  it('refuses a session after logout but not another one', () => {
    const { sessions } = setup();
    const first = sessions.verify(sessions.issue());
    const second = sessions.verify(sessions.issue());
    if (first === undefined || second === undefined) throw new Error('no session');
    sessions.end(first);
    expect(sessions.verify(first.value)).toBeUndefined();
    expect(sessions.verify(second.value)).toBeDefined();
  });

  it('ties the CSRF token to the session: no token, another session’s or the cookie itself fail', () => {
    const { sessions } = setup();
    const session = sessions.verify(sessions.issue());
    const other = sessions.verify(sessions.issue());
    if (session === undefined || other === undefined) throw new Error('no session');
    const token = sessions.csrfToken(session);
    expect(sessions.checkCsrf(session, token)).toBe(true);
    expect(sessions.checkCsrf(session, undefined)).toBe(false);
    expect(sessions.checkCsrf(session, '')).toBe(false);
    expect(sessions.checkCsrf(session, sessions.csrfToken(other))).toBe(false);
    expect(sessions.checkCsrf(session, session.value.split('.')[2])).toBe(false);
    expect(sessions.checkCsrf(session, ['x'])).toBe(false);
  });
});

describe('parseCookies', () => {
  it('reads each name once, the first value winning', () => {
    const cookies = parseCookies('a=1; detour_console=v.w.x; a=2; junk');
    expect(cookies.get('a')).toBe('1');
    expect(cookies.get('detour_console')).toBe('v.w.x');
    expect(parseCookies(undefined).size).toBe(0);
  });
});

describe('sessionCookie', () => {
  it('is HttpOnly, SameSite=Strict and scoped to /console, Secure only over HTTPS', () => {
    const cookie = sessionCookie('v', 60, false);
    expect(cookie).toBe('detour_console=v; HttpOnly; SameSite=Strict; Path=/console; Max-Age=60');
    expect(sessionCookie('v', 60, true)).toMatch(/; Secure$/);
  });
});
