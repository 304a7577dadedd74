import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientKeyRecord } from '../store/index.js';
import type { Gateway } from './gateway.js';

const keys = new WeakMap<FastifyRequest, ClientKeyRecord>();

/** The client key a `/v1/` request was authenticated with; undefined with auth off. */
export function clientKeyOf(request: FastifyRequest): ClientKeyRecord | undefined {
  return keys.get(request);
}

/**
 * Authenticates every `/v1/` request before its body is read, so a request without a valid key
 * costs one hash and one lookup and never a parse of a large body. Status, probes, metrics and the
 * admin API (which has its own key) are outside it.
 */
export function requireClientKeys(app: FastifyInstance, gateway: () => Gateway): void {
  // `auth` is restart-only, so an open gateway adds no hook (and no promise per request) at all.
  const access = gateway().access;
  if (access === undefined || access.control.mode === 'off') return;
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/')) return;
    const current = gateway();
    const key = await access.control.authenticate(request.headers, current.clock.now());
    if (key !== undefined) keys.set(request, key);
  });
}
