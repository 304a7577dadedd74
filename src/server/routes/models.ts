import type { FastifyInstance } from 'fastify';
import { modelAllowed } from '../../access/index.js';
import type { Gateway } from '../gateway.js';
import { clientKeyOf } from '../request-client-key.js';

// A fixed timestamp: configured models have no creation date, and a changing one would break caches.
const CREATED_AT_SECONDS = 1_735_689_600;

/**
 * `GET /v1/models`: the configured models, in OpenAI's list shape, or in Anthropic's when the
 * caller sends `anthropic-version` (as the Anthropic SDK does). A client key sees only the models
 * its scope allows.
 */
export function registerModelsRoute(app: FastifyInstance, gateway: () => Gateway): void {
  app.get('/v1/models', (request) => {
    const scope = clientKeyOf(request)?.scopes.models ?? [];
    const routes = gateway()
      .table.list()
      .filter((route) => modelAllowed(scope, route.name));
    if (request.headers['anthropic-version'] !== undefined) {
      const data = routes.map((route) => ({
        type: 'model',
        id: route.name,
        display_name: route.description ?? route.name,
        created_at: new Date(CREATED_AT_SECONDS * 1000).toISOString(),
      }));
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
    }
    return {
      object: 'list',
      data: routes.map((route) => ({
        id: route.name,
        object: 'model',
        created: CREATED_AT_SECONDS,
        owned_by: 'detour',
      })),
    };
  });
}
