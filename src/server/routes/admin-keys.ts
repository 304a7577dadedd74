import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { type BudgetSnapshot, generateClientKey, randomBase62 } from '../../access/index.js';
import { DetourError } from '../../core/index.js';
import type { ClientKeyChanges, ClientKeyRecord, KeyScopes } from '../../store/index.js';
import type { AccessRuntime } from '../build-access.js';
import type { Gateway } from '../gateway.js';
import { authorize, parseAdminBody } from './admin.js';

/** A time in a body: epoch ms, or ISO 8601 with an offset. */
const bodyTime = z.union([
  z.number().int().min(0),
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
]);

const budgetSchema = z.strictObject({
  usd: z.number().positive(),
  period: z.enum(['day', 'week', 'month', 'total']),
});

const scopeShape = {
  models: z.array(z.string().min(1)).optional(),
  rpm: z.number().int().min(1).nullable().optional(),
  tpm: z.number().int().min(1).nullable().optional(),
  budget: budgetSchema.nullable().optional(),
  expiresAt: bodyTime.nullable().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
};

const createSchema = z.strictObject({ name: z.string().min(1).max(200), ...scopeShape });
const updateSchema = z.strictObject({ name: z.string().min(1).max(200).optional(), ...scopeShape });

/** A key as the admin API shows it: never the hash, never the secret. */
export interface ClientKeyView {
  id: string;
  name: string;
  prefix: string;
  status: 'active' | 'revoked' | 'expired';
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  models: string[];
  rpm: number | null;
  tpm: number | null;
  budget: { usd: number; period: string } | null;
  metadata: Record<string, string>;
  /** Where its budget stands now (`GET /admin/keys/:id` only). */
  spend?: BudgetSnapshot;
}

/** A stored key as the admin API and the console show it: status from `now`, never the hash. */
export function viewOf(key: ClientKeyRecord, now: number): ClientKeyView {
  const status =
    key.revokedAt !== undefined && key.revokedAt <= now
      ? 'revoked'
      : key.expiresAt !== undefined && key.expiresAt <= now
        ? 'expired'
        : 'active';
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt ?? null,
    revokedAt: key.revokedAt ?? null,
    models: key.scopes.models,
    rpm: key.scopes.rpm ?? null,
    tpm: key.scopes.tpm ?? null,
    budget: key.scopes.budget ?? null,
    metadata: key.metadata,
  };
}

/** The scopes after applying a body's fields (`null` removes a limit, absent keeps it). */
function scopesWith(current: KeyScopes, body: z.infer<typeof updateSchema>): KeyScopes {
  const next: KeyScopes = { models: body.models ?? current.models };
  const rpm = body.rpm === undefined ? current.rpm : (body.rpm ?? undefined);
  const tpm = body.tpm === undefined ? current.tpm : (body.tpm ?? undefined);
  const budget = body.budget === undefined ? current.budget : (body.budget ?? undefined);
  if (rpm !== undefined) next.rpm = rpm;
  if (tpm !== undefined) next.tpm = tpm;
  if (budget !== undefined) next.budget = budget;
  return next;
}

function accessOf(gateway: Gateway): AccessRuntime {
  const access = gateway.access;
  if (access === undefined) {
    throw new DetourError('invalid_request', 'client_error', 'client keys are not available here', {
      status: 404,
    });
  }
  return access;
}

async function keyOrNotFound(access: AccessRuntime, id: string): Promise<ClientKeyRecord> {
  const key = await access.store.getClientKey(id);
  if (key === undefined) {
    throw new DetourError('invalid_request', 'client_error', `no client key ${JSON.stringify(id)}`, {
      status: 404,
      param: 'id',
    });
  }
  return key;
}

/** A new secret's answer: shown this once, never stored, never cached by anything on the way. */
function sendSecret(reply: FastifyReply, status: number, key: ClientKeyView, secret: string) {
  reply.header('cache-control', 'no-store');
  reply.status(status);
  return { key, secret };
}

/**
 * Client keys over the admin API (DESIGN.md section 8): create (the secret is in the answer once),
 * list, show with its budget's spend, update scopes, revoke, rotate. Every change here drops the key
 * from this replica's cache at once.
 */
export function registerAdminKeyRoutes(app: FastifyInstance, gateway: () => Gateway): void {
  app.post('/admin/keys', async (request, reply) => {
    const current = gateway();
    authorize(current, request);
    const access = accessOf(current);
    const body = parseAdminBody(createSchema, request.body ?? {}, 'client key');
    const now = current.clock.now();
    const made = generateClientKey();
    const key: ClientKeyRecord = {
      id: `key_${randomBase62(16)}`,
      name: body.name,
      prefix: made.prefix,
      hash: made.hash,
      createdAt: now,
      scopes: scopesWith({ models: [] }, body),
      metadata: body.metadata ?? {},
    };
    if (body.expiresAt !== undefined && body.expiresAt !== null) key.expiresAt = body.expiresAt;
    await access.store.insertClientKey(key);
    return sendSecret(reply, 201, viewOf(key, now), made.secret);
  });

  app.get('/admin/keys', async (request) => {
    const current = gateway();
    authorize(current, request);
    const now = current.clock.now();
    const keys = await accessOf(current).store.listClientKeys();
    return { keys: keys.map((key) => viewOf(key, now)) };
  });

  app.get<{ Params: { id: string } }>('/admin/keys/:id', async (request) => {
    const current = gateway();
    authorize(current, request);
    const access = accessOf(current);
    const key = await keyOrNotFound(access, request.params.id);
    const now = current.clock.now();
    const view = viewOf(key, now);
    const budget = key.scopes.budget;
    if (budget !== undefined) view.spend = await access.budgets.snapshot(key.id, budget, now);
    return { key: view };
  });

  app.patch<{ Params: { id: string } }>('/admin/keys/:id', async (request) => {
    const current = gateway();
    authorize(current, request);
    const access = accessOf(current);
    const body = parseAdminBody(updateSchema, request.body ?? {}, 'client key');
    const key = await keyOrNotFound(access, request.params.id);
    const changes: ClientKeyChanges = {
      scopes: scopesWith(key.scopes, body),
    };
    if (body.name !== undefined) changes.name = body.name;
    if (body.metadata !== undefined) changes.metadata = body.metadata;
    if (body.expiresAt !== undefined) changes.expiresAt = body.expiresAt;
    const updated = await access.store.updateClientKey(key.id, changes);
    // The budget guard takes a new limit or period from the key on its next request and keeps the
    // reservations of requests in flight; only the cached key is dropped.
    access.keys.invalidate(key.id);
    return { key: viewOf(updated, current.clock.now()) };
  });

  app.post<{ Params: { id: string } }>('/admin/keys/:id/revoke', async (request) => {
    const current = gateway();
    authorize(current, request);
    const access = accessOf(current);
    const key = await keyOrNotFound(access, request.params.id);
    const now = current.clock.now();
    const updated =
      key.revokedAt === undefined ? await access.store.updateClientKey(key.id, { revokedAt: now }) : key;
    access.keys.invalidate(key.id);
    return { key: viewOf(updated, now) };
  });

  app.post<{ Params: { id: string } }>('/admin/keys/:id/rotate', async (request, reply) => {
    const current = gateway();
    authorize(current, request);
    const access = accessOf(current);
    const key = await keyOrNotFound(access, request.params.id);
    const now = current.clock.now();
    if (key.revokedAt !== undefined) {
      throw new DetourError('invalid_request', 'client_error', 'a revoked key cannot be rotated', {
        status: 409,
      });
    }
    // Same id, scopes, budget and spend; a new secret, and the old one refused from now on.
    const made = generateClientKey();
    const updated = await access.store.updateClientKey(key.id, { hash: made.hash, prefix: made.prefix });
    access.keys.invalidate(key.id);
    return sendSecret(reply, 200, viewOf(updated, now), made.secret);
  });
}
