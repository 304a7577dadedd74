import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CLIENT_KEY_PREFIX } from '../../access/index.js';
import { DetourError, invalidRequest } from '../../core/index.js';
import type { DeploymentHealth } from '../../health/index.js';
import type { Deployment } from '../../routing/index.js';
import { LoginThrottle } from '../console/login-throttle.js';
import type { Gateway } from '../gateway.js';

/** Switches an operator can flip on deployments. */
export const ADMIN_ACTIONS = ['drain', 'enable', 'force-enable', 'reset'] as const;

/** One of {@link ADMIN_ACTIONS}. */
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** One row of `GET /admin/health`. */
export interface DeploymentHealthRow extends Omit<DeploymentHealth, 'id'> {
  /** Deployment id (`provider/upstream-model`). */
  deployment: string;
  /** Provider name. */
  provider: string;
  /** Detour models this deployment serves. */
  models: string[];
}

const selectorSchema = z
  .strictObject({
    deployment: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    provider: z.string().min(1).optional(),
  })
  .refine(
    (value) =>
      [value.deployment, value.model, value.provider].filter((field) => field !== undefined).length === 1,
    { message: 'give exactly one of `deployment`, `model` or `provider`' },
  );

/** Validates an admin request body; a 400 names the first bad field. */
export function parseAdminBody<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join('.') || undefined;
  throw invalidRequest(
    `${what}: ${param === undefined ? '' : `${param}: `}${issue?.message ?? 'invalid'}`,
    param,
  );
}

/**
 * Compares in constant time: both sides are hashed first, so neither the content nor the length of
 * the admin key shows in how long a wrong guess takes.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Admin routes need `Authorization: Bearer <server.adminKey>`; with no key configured they do not exist. */
export function authorize(gateway: Gateway, request: FastifyRequest): void {
  if (gateway.adminKey === undefined) {
    throw new DetourError(
      'invalid_request',
      'client_error',
      'the admin API is off: set server.adminKey to enable it',
      {
        status: 404,
      },
    );
  }
  const throttle = gateway.adminThrottle;
  const blockedMs = throttle?.blockedFor(request.ip) ?? 0;
  if (blockedMs > 0) {
    // Checked before the key, so that guessing on cannot tell a right key from a wrong one.
    throw new DetourError(
      'rate_limit_exceeded',
      'rate_limited',
      'admin API: too many wrong admin keys from this address; try again later',
      { status: 429, retryAfterMs: blockedMs },
    );
  }
  const header = request.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : '';
  if (sameSecret(given, gateway.adminKey)) {
    throttle?.succeeded(request.ip);
    return;
  }
  // A request without any key is a client that forgot it, not a guess; only wrong keys count.
  if (given !== '') throttle?.failed(request.ip);
  if (given.startsWith(CLIENT_KEY_PREFIX)) {
    throw new DetourError(
      'permission_denied',
      'client_error',
      'admin API: client keys are not accepted here; use the admin key (server.adminKey)',
      { status: 403 },
    );
  }
  throw new DetourError('unauthorized', 'auth', 'admin API: missing or wrong admin key', { status: 401 });
}

/**
 * The count of wrong admin keys that {@link authorize} keeps: 10 from one address within a minute
 * get it refused for the rest of the minute. One per running gateway, kept across config reloads.
 */
export function createAdminThrottle(now: () => number): LoginThrottle {
  return new LoginThrottle({ now, maxFailures: 10, windowMs: 60_000 });
}

/** Every configured deployment once, with the models it serves. */
function deploymentsOf(gateway: Gateway): Map<string, { deployment: Deployment; models: string[] }> {
  const byId = new Map<string, { deployment: Deployment; models: string[] }>();
  for (const route of gateway.table.list()) {
    for (const deployment of route.deployments) {
      const entry = byId.get(deployment.deploymentId);
      if (entry === undefined) byId.set(deployment.deploymentId, { deployment, models: [route.name] });
      else entry.models.push(route.name);
    }
  }
  return byId;
}

/** The live health of every configured deployment, in config order. */
export function readHealth(gateway: Gateway): DeploymentHealthRow[] {
  const configured = deploymentsOf(gateway);
  // Touching each status makes sure a deployment with no traffic yet still has a row.
  for (const id of configured.keys()) gateway.state.health.status(id);
  const snapshot = new Map(gateway.state.health.snapshot().map((health) => [health.id, health]));
  const rows: DeploymentHealthRow[] = [];
  for (const [id, { deployment, models }] of configured) {
    const health = snapshot.get(id);
    if (health === undefined) continue;
    const { id: _id, ...rest } = health;
    rows.push({ deployment: id, provider: deployment.provider.name, models, ...rest });
  }
  return rows;
}

function applyAction(gateway: Gateway, action: AdminAction, ids: readonly string[]): void {
  const now = gateway.clock.now();
  for (const id of ids) {
    const breaker = gateway.state.health.breaker(id);
    switch (action) {
      case 'drain':
        breaker.drain();
        break;
      case 'enable':
        // Undo every manual or config-fault switch; the breaker's own state machine stays as it is.
        breaker.undrain();
        breaker.clearForce();
        breaker.enable();
        break;
      case 'force-enable':
        breaker.forceEnable();
        break;
      case 'reset':
        gateway.state.health.reset(id, now);
        break;
    }
  }
}

/** What {@link runDeploymentAction} answers: the action and the rows of the deployments it touched. */
export interface DeploymentActionResult {
  action: AdminAction;
  /** The gateway's clock when applied, so clients can read `openUntil` and the like against it. */
  now: number;
  deployments: DeploymentHealthRow[];
}

/**
 * Validates and applies one operator switch (`drain`, `enable`, ...) to the deployments a selector
 * (`{ deployment }`, `{ model }` or `{ provider }`) names. Shared by the admin API and the console so
 * both flip the same switches the same way; throws a 404 {@link DetourError} for an unknown action or
 * a selector that matches nothing, a 400 for a malformed selector.
 */
export function runDeploymentAction(
  gateway: Gateway,
  actionName: string,
  body: unknown,
): DeploymentActionResult {
  const action = ADMIN_ACTIONS.find((name) => name === actionName);
  if (action === undefined) {
    throw new DetourError(
      'invalid_request',
      'client_error',
      `unknown action '${actionName}'; use one of ${ADMIN_ACTIONS.join(', ')}`,
      { status: 404 },
    );
  }
  const selector = parseAdminBody(selectorSchema, body, 'admin selector');
  const { deployment, model, provider } = selector;
  const configured = deploymentsOf(gateway);
  const ids = [...configured.entries()]
    .filter(
      ([id, entry]) =>
        id === deployment ||
        entry.deployment.provider.name === provider ||
        (model !== undefined && entry.models.includes(model)),
    )
    .map(([id]) => id);
  if (ids.length === 0) {
    const [field, value] = Object.entries(selector)[0] ?? ['selector', ''];
    throw new DetourError(
      'invalid_request',
      'client_error',
      `no configured deployment matches ${field} '${value}'`,
      {
        status: 404,
        param: field,
      },
    );
  }
  applyAction(gateway, action, ids);
  return {
    action,
    now: gateway.clock.now(),
    deployments: readHealth(gateway).filter((row) => ids.includes(row.deployment)),
  };
}

/** Registers the admin API: `GET /admin/health` and `POST /admin/deployments/:action`. */
export function registerAdminRoutes(app: FastifyInstance, gateway: () => Gateway): void {
  app.get('/admin/health', async (request) => {
    const current = gateway();
    authorize(current, request);
    return { now: current.clock.now(), deployments: readHealth(current) };
  });

  app.post<{ Params: { action: string } }>('/admin/deployments/:action', async (request) => {
    const current = gateway();
    authorize(current, request);
    return runDeploymentAction(current, request.params.action, request.body);
  });
}
