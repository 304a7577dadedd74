import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.js';

/** `GET /healthz` (the process is alive) and `GET /readyz` (it has a usable config). */
export function registerProbeRoutes(app: FastifyInstance, gateway: () => Gateway): void {
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    const models = gateway().table.list().length;
    if (models === 0) return reply.status(503).send({ status: 'not_ready', reason: 'no models configured' });
    return { status: 'ready', models };
  });
}
