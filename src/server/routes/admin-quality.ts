import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../gateway.js';
import { authorize, readHealth } from './admin.js';

/**
 * `GET /admin/quality`: per deployment, what the quality canaries' statistics say (phase,
 * baseline, recent pass rate, the SPRT, an open alarm with its evidence) and the passive signals
 * from live answers (finish reasons, empty answers, JSON and tool-call validity, output length).
 */
export function registerAdminQualityRoute(app: FastifyInstance, gateway: () => Gateway): void {
  app.get('/admin/quality', async (request) => {
    const current = gateway();
    authorize(current, request);
    return {
      canaries: current.quality === undefined ? 'off' : 'on',
      deployments: readHealth(current).map((row) => ({
        deployment: row.deployment,
        models: row.models,
        canaries: current.quality?.status(row.deployment) ?? null,
        passive: current.passiveSignals?.snapshot(row.deployment) ?? null,
      })),
    };
  });
}
