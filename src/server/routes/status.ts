import type { FastifyInstance, FastifyRequest } from 'fastify';
import { buildStatusView, type StatusView } from '../status/build-status-view.js';
import { renderAtomFeed } from '../status/render-atom-feed.js';
import { renderStatusPage } from '../status/render-status-page.js';
import { componentsJson, incidentsJson, statusJson, summaryJson } from '../status/statuspage-json.js';
import type { StatusService } from '../status-service.js';

function baseUrlOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/**
 * The public status page and its machine-readable feeds: `GET /status` (HTML, no JavaScript),
 * Statuspage-shaped `GET /api/v2/{summary,status,components,incidents}.json`, and an Atom feed of
 * incidents at `GET /status/feed.atom`. Public by design: they show what the configured public
 * models' users experienced, never keys or internal addresses.
 */
export function registerStatusRoutes(
  app: FastifyInstance,
  service: () => StatusService,
  now: () => number,
): void {
  const view = async (): Promise<StatusView> => {
    const current = service();
    const config = current.config();
    const options =
      config.public === undefined
        ? { title: config.title }
        : { title: config.title, publicModels: config.public };
    return buildStatusView(current.detector.snapshot(), current.store, options, now());
  };

  app.get('/status', async (_request, reply) => {
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(renderStatusPage(await view()));
  });
  app.get('/status/feed.atom', async (request, reply) => {
    reply.type('application/atom+xml; charset=utf-8').send(renderAtomFeed(await view(), baseUrlOf(request)));
  });
  const feeds = {
    summary: summaryJson,
    status: statusJson,
    components: componentsJson,
    incidents: incidentsJson,
  };
  for (const [name, render] of Object.entries(feeds)) {
    app.get(`/api/v2/${name}.json`, async (request, reply) => {
      reply
        .header('access-control-allow-origin', '*')
        .send(render(await view(), `${baseUrlOf(request)}/status`));
    });
  }
}
