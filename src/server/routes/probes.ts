import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.js';

/**
 * `GET /healthz` (the process is alive) and `GET /readyz` (it has a usable config). With shared
 * state configured and Redis unreachable, `/readyz` still answers 200 — this replica serves on its
 * local view (DESIGN.md section 9), so a load balancer must not take it out — but says `degraded`.
 */
export function registerProbeRoutes(app: FastifyInstance, gateway: () => Gateway): void {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    const models = gateway().table.list().length;
    if (models === 0) return reply.status(503).send({ status: 'not_ready', reason: 'no models configured' });
    const current = gateway();
    const shared = [current.sharedHealth?.up, current.access?.shared?.up].filter(
      (up): up is boolean => up !== undefined,
    );
    if (shared.some((up) => !up))
      return {
        status: 'degraded',
        models,
        sharedState: 'unreachable',
        reason: "Redis unreachable: health, rate limits and budgets decided on this replica's local view",
      };
    return { status: 'ready', models };
  });
}
