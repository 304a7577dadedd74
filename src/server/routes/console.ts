import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DetourError } from '../../core/index.js';
import { loadConsoleAssets } from '../console/console-assets.js';
import {
  type ConsoleSession,
  createConsoleSessions,
  parseCookies,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionCookie,
} from '../console/console-session.js';
import { LoginThrottle } from '../console/login-throttle.js';
import { type QualityCell, renderHealthPage } from '../console/render-health.js';
import { renderIncidentsPage } from '../console/render-incidents.js';
import { renderKeysPage } from '../console/render-keys.js';
import {
  type ConsolePage,
  escapeHtml,
  renderLayout,
  renderLogin,
  renderMessage,
} from '../console/render-layout.js';
import {
  REQUEST_RANGES,
  type RequestFilters,
  type RequestRange,
  renderRequestsPage,
} from '../console/render-requests.js';
import { renderUsagePage, USAGE_PERIODS, type UsagePeriod, usageRange } from '../console/render-usage.js';
import type { Gateway } from '../gateway.js';
import type { StatusService } from '../status-service.js';
import { ADMIN_ACTIONS, readHealth, runDeploymentAction, sameSecret } from './admin.js';
import { viewOf } from './admin-keys.js';

// No inline script or style anywhere in the console, so neither is allowed; uPlot styles its
// elements through the DOM, which style-src does not restrict.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

type Query = Record<string, string | string[] | undefined>;

function text(query: Query, name: string): string | undefined {
  const value = query[name];
  const first = Array.isArray(value) ? value[0] : value;
  const trimmed = first?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function isSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

function html(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(body);
}

/**
 * The operator console at `/console`: admin-key login into a signed session cookie, then server-
 * rendered pages (health with drain/enable, incidents, usage charts, request log, client keys). Off,
 * like the admin API, when no `server.adminKey` is set. Forms post `application/x-www-form-urlencoded`,
 * parsed only inside this plugin; every state change needs the session's CSRF token.
 */
export function registerConsoleRoutes(
  app: FastifyInstance,
  gateway: () => Gateway,
  status: (() => StatusService) | undefined,
): void {
  const assets = loadConsoleAssets();
  const sessions = createConsoleSessions({
    adminKey: () => gateway().adminKey,
    now: () => gateway().clock.now(),
  });
  const logins = new LoginThrottle({ now: () => gateway().clock.now() });

  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16_384 },
      (_request, body, done) => {
        done(
          null,
          Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString())),
        );
      },
    );
    scope.addHook('onSend', async (_request, reply, payload) => {
      reply.headers(SECURITY_HEADERS);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      return payload;
    });

    const sessionOf = (request: FastifyRequest): ConsoleSession | undefined =>
      sessions.verify(parseCookies(request.headers.cookie).get(SESSION_COOKIE));
    const consoleOff = (reply: FastifyReply) =>
      html(reply, renderMessage('The console is off: set server.adminKey in the config to enable it.'), 404);
    const formField = (request: FastifyRequest, name: string): string | undefined => {
      const body = request.body;
      if (typeof body !== 'object' || body === null) return undefined;
      const value = (body as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : undefined;
    };

    /** A page behind the session: without one, a redirect to the login form. */
    const page = (
      name: ConsolePage,
      render: (
        request: FastifyRequest,
        session: ConsoleSession,
      ) => Promise<{ body: string; status?: number }>,
      charts = false,
    ) => {
      scope.get(`/console/${name}`, async (request, reply) => {
        if (gateway().adminKey === undefined) return consoleOff(reply);
        const session = sessionOf(request);
        if (session === undefined) return reply.redirect('/console/login', 302);
        const { body, status: code } = await render(request, session);
        return html(
          reply,
          renderLayout({ page: name, csrf: sessions.csrfToken(session), body, charts }),
          code,
        );
      });
    };

    /** A state change: needs the session and its CSRF token, or nothing happens. */
    const guardPost = (request: FastifyRequest, reply: FastifyReply): ConsoleSession | undefined => {
      if (gateway().adminKey === undefined) {
        consoleOff(reply);
        return undefined;
      }
      const session = sessionOf(request);
      if (session === undefined) {
        reply.redirect('/console/login', 303);
        return undefined;
      }
      if (!sessions.checkCsrf(session, formField(request, 'csrf'))) {
        html(
          reply,
          renderMessage(
            'This form is stale or did not come from the console (missing or wrong CSRF token); nothing was changed. Go back and reload the page.',
            { href: '/console/health', label: 'Back to the console' },
          ),
          403,
        );
        return undefined;
      }
      return session;
    };

    scope.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => {
      const asset = assets.get(request.params.name);
      if (asset === undefined) return reply.status(404).type('text/plain').send('not found');
      return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
    });

    scope.get('/console', async (_request, reply) => reply.redirect('/console/health', 302));

    scope.get('/console/login', async (request, reply) => {
      if (gateway().adminKey === undefined) return consoleOff(reply);
      if (sessionOf(request) !== undefined) return reply.redirect('/console/health', 302);
      return html(reply, renderLogin());
    });

    scope.post('/console/login', async (request, reply) => {
      const adminKey = gateway().adminKey;
      if (adminKey === undefined) return consoleOff(reply);
      const blockedMs = logins.blockedFor(request.ip);
      if (blockedMs > 0) {
        const minutes = Math.ceil(blockedMs / 60_000);
        reply.header('retry-after', String(Math.ceil(blockedMs / 1000)));
        return html(
          reply,
          renderLogin(`Too many wrong keys: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`),
          429,
        );
      }
      const given = formField(request, 'adminKey') ?? '';
      if (given === '' || !sameSecret(given, adminKey)) {
        logins.failed(request.ip);
        return html(reply, renderLogin('Wrong admin key.'), 401);
      }
      logins.succeeded(request.ip);
      const value = sessions.issue();
      if (value === undefined) return consoleOff(reply);
      reply.header('set-cookie', sessionCookie(value, Math.floor(SESSION_TTL_MS / 1000), isSecure(request)));
      return reply.redirect('/console/health', 303);
    });

    scope.post('/console/logout', async (request, reply) => {
      const session = guardPost(request, reply);
      if (session === undefined) return reply;
      sessions.end(session);
      reply.header('set-cookie', sessionCookie('', 0, isSecure(request)));
      return reply.redirect('/console/login', 303);
    });

    scope.post<{ Params: { action: string } }>('/console/deployments/:action', async (request, reply) => {
      const session = guardPost(request, reply);
      if (session === undefined) return reply;
      const current = gateway();
      const deployment = formField(request, 'deployment');
      try {
        runDeploymentAction(current, request.params.action, { deployment });
      } catch (error) {
        if (!(error instanceof DetourError)) throw error;
        const body = renderHealthPage({
          rows: readHealth(current),
          now: current.clock.now(),
          csrf: sessions.csrfToken(session),
          notice: `Nothing changed: ${error.message}`,
          ...qualityOf(current),
        });
        return html(
          reply,
          renderLayout({ page: 'health', csrf: sessions.csrfToken(session), body }),
          error.status,
        );
      }
      // Post/redirect/get: a reload does not repeat the action.
      const params = new URLSearchParams({ done: request.params.action, deployment: deployment ?? '' });
      return reply.redirect(`/console/health?${params.toString()}`, 303);
    });

    scope.get('/console/api/health', async (request, reply) => {
      const current = gateway();
      if (current.adminKey === undefined || sessionOf(request) === undefined) {
        return reply.status(401).send({ error: { message: 'console: log in at /console/login' } });
      }
      return { now: current.clock.now(), deployments: readHealth(current) };
    });

    page('health', async (request, session) => {
      const current = gateway();
      const rows = readHealth(current);
      const query = request.query as Query;
      const done = ADMIN_ACTIONS.find((action) => action === text(query, 'done'));
      const target = rows.find((row) => row.deployment === text(query, 'deployment'));
      // Only a known action on a configured deployment is echoed, so a link cannot put words on the page.
      const notice =
        done !== undefined && target !== undefined ? `${done}: applied to ${target.deployment}` : undefined;
      return {
        body: renderHealthPage({
          rows,
          now: current.clock.now(),
          csrf: sessions.csrfToken(session),
          ...(notice === undefined ? {} : { notice }),
          ...qualityOf(current),
        }),
      };
    });

    const unavailable = (what: string) => ({
      body: `<h1>${escapeHtml(what)}</h1><p class="empty">Not available: this Detour runs without a store.</p>`,
    });

    page('incidents', async () => {
      if (status === undefined) return unavailable('Incidents');
      const store = status().store;
      const [open, all] = await Promise.all([
        store.listIncidents({ open: true, limit: 50 }),
        store.listIncidents({ limit: 100 }),
      ]);
      const recent = all.filter((incident) => incident.status === 'resolved').slice(0, 25);
      return { body: renderIncidentsPage(open, recent) };
    });

    page(
      'usage',
      async (request) => {
        if (status === undefined) return unavailable('Usage');
        const asked = text(request.query as Query, 'period');
        const period: UsagePeriod =
          asked !== undefined && Object.hasOwn(USAGE_PERIODS, asked) ? (asked as UsagePeriod) : 'hour';
        const range = usageRange(period, gateway().clock.now());
        const store = status().store;
        const [overTime, byModel] = await Promise.all([
          store.aggregateUsage({ ...range, period }),
          store.aggregateUsage({ ...range, groupBy: ['model'] }),
        ]);
        return { body: renderUsagePage({ period, range, overTime, byModel }) };
      },
      true,
    );

    page('requests', async (request) => {
      if (status === undefined) return unavailable('Requests');
      const query = request.query as Query;
      const askedRange = text(query, 'range');
      const range: RequestRange =
        askedRange !== undefined && Object.hasOwn(REQUEST_RANGES, askedRange)
          ? (askedRange as RequestRange)
          : '24h';
      const filters: RequestFilters = { range };
      const model = text(query, 'model');
      const deployment = text(query, 'deployment');
      const failureClass = text(query, 'failureClass');
      const statusText = text(query, 'status');
      if (model !== undefined) filters.model = model;
      if (deployment !== undefined) filters.deployment = deployment;
      if (failureClass !== undefined) filters.failureClass = failureClass;
      let error: string | undefined;
      if (statusText !== undefined) {
        if (/^[1-5]\d\d$/.test(statusText)) filters.status = Number(statusText);
        else error = `status: '${statusText}' is not an HTTP status (100–599); it was ignored`;
      }
      const span = REQUEST_RANGES[range].ms;
      const cursor = text(query, 'cursor');
      try {
        const result = await status().store.listRequestLogs({
          ...(filters.model === undefined ? {} : { model: filters.model }),
          ...(filters.deployment === undefined ? {} : { deployment: filters.deployment }),
          ...(filters.status === undefined ? {} : { status: filters.status }),
          ...(filters.failureClass === undefined ? {} : { failureClass: filters.failureClass }),
          ...(span === null ? {} : { from: gateway().clock.now() - span }),
          ...(cursor === undefined ? {} : { cursor }),
          limit: 50,
        });
        return {
          body: renderRequestsPage({ filters, page: result, ...(error === undefined ? {} : { error }) }),
          ...(error === undefined ? {} : { status: 400 }),
        };
      } catch (failure) {
        if (!(failure instanceof RangeError)) throw failure;
        return {
          body: renderRequestsPage({
            filters,
            page: { rows: [], nextCursor: null },
            error: `cursor: ${failure.message}`,
          }),
          status: 400,
        };
      }
    });

    page('keys', async () => {
      const current = gateway();
      const access = current.access;
      if (access === undefined) return { body: renderKeysPage(undefined) };
      const now = current.clock.now();
      const keys = await access.store.listClientKeys();
      const views = await Promise.all(
        keys.map(async (key) => {
          const view = viewOf(key, now);
          const budget = key.scopes.budget;
          if (budget !== undefined) view.spend = await access.budgets.snapshot(key.id, budget, now);
          return view;
        }),
      );
      return { body: renderKeysPage(views) };
    });
  });
}

/** The health page's quality column from the canaries' statistics; nothing while canaries are off. */
function qualityOf(gateway: Gateway): { quality?: (deployment: string) => QualityCell | undefined } {
  const reader = gateway.quality;
  if (reader === undefined) return {};
  return {
    quality: (deployment) => {
      const status = reader.status(deployment);
      return status === undefined
        ? undefined
        : { phase: status.phase, graded: status.current.graded, passed: status.current.passed };
    },
  };
}
