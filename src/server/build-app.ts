import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { DetourError } from '../core/index.js';
import { codecFor } from '../protocols/index.js';
import { createClientFaultLog } from './client-fault-log.js';
import { closeAfterAnswer, DEFAULT_DRAIN_LIMITS, hasUnreadBody } from './close-after-answer.js';
import { handleError } from './error-handler.js';
import type { Gateway } from './gateway.js';
import { limitConnectionsPerAddress } from './limit-connections.js';
import { registerMcpRoute } from './mcp/index.js';
import type { GatewayMetrics } from './metrics.js';
import { createBodyReader } from './read-request-body.js';
import { requireClientKeys } from './request-client-key.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAdminExplainRoute } from './routes/admin-explain.js';
import { registerAdminIncidentRoutes } from './routes/admin-incidents.js';
import { registerAdminKeyRoutes } from './routes/admin-keys.js';
import { registerAdminQualityRoute } from './routes/admin-quality.js';
import { registerAdminUsageRoutes } from './routes/admin-usage.js';
import { registerChatRoute } from './routes/chat.js';
import { registerConsoleRoutes } from './routes/console.js';
import { registerCountTokensRoute } from './routes/count-tokens.js';
import { registerModelsRoute } from './routes/models.js';
import { registerProbeRoutes } from './routes/probes.js';
import { registerStatusRoutes } from './routes/status.js';
import type { StatusService } from './status-service.js';
import { surfaceOf } from './surface.js';

/** Options for {@link buildApp}. */
export interface AppOptions {
  /** Largest accepted request body, in bytes (DESIGN default 20 MiB). */
  bodyLimit: number;
  /** Longest a client may take to send a whole request, in ms (config `server.requestTimeout`); default 60 s. */
  requestTimeout?: number;
  /** Longest a request body may take once its headers have arrived, in ms (config `server.bodyTimeout`); default 30 s. */
  bodyTimeout?: number;
  /** Most connections open at once from one client address (config `server.maxConnectionsPerIp`); default 1000. */
  maxConnectionsPerIp?: number;
  /** Fastify/pino logger option; `false` for silence. */
  logger?: FastifyServerOptions['logger'];
  /** The current gateway; a function so a config reload can swap it without restarting. */
  gateway: () => Gateway;
  /** Prometheus metrics served at `GET /metrics`. */
  metrics?: GatewayMetrics;
  /** Incidents and status page; without it there is no `/status` and no incident admin. */
  status?: () => StatusService;
}

/**
 * Parses every request body as JSON, whatever its content type: `curl -d` sends
 * `application/x-www-form-urlencoded` by default and a gateway should still understand it.
 */
function parseJsonBody(body: string, done: (error: Error | null, value?: unknown) => void): void {
  if (body.trim() === '') {
    done(
      new DetourError('invalid_json', 'client_error', 'request body is empty; expected a JSON object', {
        status: 400,
      }),
    );
    return;
  }
  try {
    done(null, JSON.parse(body));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    done(
      new DetourError('invalid_json', 'client_error', `request body is not valid JSON: ${detail}`, {
        status: 400,
      }),
    );
  }
}

/** Builds the Fastify app with every route. Does not listen. */
export function buildApp(options: AppOptions): FastifyInstance {
  const requestTimeout = options.requestTimeout ?? 60_000;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit,
    // Detour logs each request once itself, with its outcome; Fastify's own per-request lines are noise.
    logController: new LogController({ disableRequestLogging: true }),
    // Clients that open connections and send nothing must not hold sockets forever: Node answers 408
    // and closes a connection whose request (headers and body, not our response) takes longer than
    // this. Node swaps the two limits when the headers one is the longer, which would leave a
    // stalled body 60 s whatever this says, so the headers limit is capped by it (Node's own default
    // relation); and it looks for such connections every 30 s, too coarse for a short timeout.
    requestTimeout,
    http: {
      headersTimeout: Math.min(60_000, requestTimeout),
      connectionsCheckingInterval: Math.min(30_000, requestTimeout),
    },
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
  });
  const clientFaults = createClientFaultLog(app.log, { now: () => options.gateway().clock.now() });
  app.addHook('onClose', async () => clientFaults.close());
  limitConnectionsPerAddress(app.server, {
    max: options.maxConnectionsPerIp ?? 1000,
    onRefused: (address, open) =>
      clientFaults.report(
        'too_many_connections',
        address,
        `refused a connection: ${open} already open from this address (server.maxConnectionsPerIp)`,
      ),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    createBodyReader(
      {
        bodyLimit: options.bodyLimit,
        bodyTimeoutMs: options.bodyTimeout ?? 30_000,
        drain: DEFAULT_DRAIN_LIMITS,
        onClientFault: (fault, request, message) =>
          clientFaults.report(fault, request.socket.remoteAddress, message, {
            method: request.method,
            url: request.url,
          }),
      },
      parseJsonBody,
    ),
  );
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    // Routes that do not exist read no body: one still on its way (or stalled) is drained, not kept
    // on a connection that waits for it up to `requestTimeout`.
    if (hasUnreadBody(request.raw)) {
      reply.header('connection', 'close');
      closeAfterAnswer(request.raw);
    }
    const error = new DetourError(
      'invalid_request',
      'client_error',
      `Unknown route ${request.method} ${request.url}`,
      {
        status: 404,
      },
    );
    const encoded = codecFor(surfaceOf(request.url)).encodeError(error);
    reply.status(encoded.status).headers(encoded.headers).send(encoded.body);
  });
  requireClientKeys(app, options.gateway);
  registerChatRoute(app, '/v1/chat/completions', 'openai-chat', options.gateway);
  registerChatRoute(app, '/v1/messages', 'anthropic-messages', options.gateway);
  registerCountTokensRoute(app, options.gateway);
  registerModelsRoute(app, options.gateway);
  registerProbeRoutes(app, options.gateway);
  registerAdminRoutes(app, options.gateway);
  registerAdminKeyRoutes(app, options.gateway);
  registerMcpRoute(app, options.gateway);
  registerAdminQualityRoute(app, options.gateway);
  const status = options.status;
  if (status !== undefined) {
    registerStatusRoutes(app, status, () => options.gateway().clock.now());
    registerAdminIncidentRoutes(app, options.gateway, status);
    registerAdminUsageRoutes(app, options.gateway, () => status().store);
    registerAdminExplainRoute(app, options.gateway, () => status().store);
  }
  registerConsoleRoutes(app, options.gateway, status);
  const metrics = options.metrics;
  if (metrics !== undefined) {
    app.get('/metrics', async (_request, reply) => {
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }
  return app;
}
