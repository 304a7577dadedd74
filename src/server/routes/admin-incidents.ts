import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DetourError, newId } from '../../core/index.js';
import type { Gateway } from '../gateway.js';
import type { StatusService } from '../status-service.js';
import { authorize, parseAdminBody } from './admin.js';

const isoTime = z.union([
  z.number().int().min(0),
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
]);

const newIncidentSchema = z.strictObject({
  title: z.string().min(1),
  components: z.array(z.string().min(1)).min(1),
  body: z.string().min(1),
  kind: z.enum(['outage', 'overloaded', 'latency', 'quality']).default('outage'),
  impact: z.enum(['none', 'minor', 'major', 'critical']).default('minor'),
  status: z.enum(['investigating', 'identified', 'monitoring']).default('investigating'),
});

const updateSchema = z.strictObject({
  body: z.string().min(1),
  status: z.enum(['investigating', 'identified', 'monitoring', 'resolved']).optional(),
  impact: z.enum(['none', 'minor', 'major', 'critical']).optional(),
});

const resolveSchema = z.strictObject({ body: z.string().min(1).optional() }).default({});

const maintenanceSchema = z
  .strictObject({
    title: z.string().min(1),
    components: z.array(z.string().min(1)).min(1),
    startsAt: isoTime,
    endsAt: isoTime,
    body: z.string().min(1).optional(),
  })
  .refine((value) => value.endsAt > value.startsAt, {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });

const listSchema = z.object({
  open: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});

/**
 * Operator control of the status page: incidents (list, open by hand, annotate, resolve), operator
 * alerts, maintenance windows, and the webhook outbox's delivery log. Same admin key as the rest of
 * the admin API.
 */
export function registerAdminIncidentRoutes(
  app: FastifyInstance,
  gateway: () => Gateway,
  service: () => StatusService,
): void {
  const guard = (request: Parameters<typeof authorize>[1]) => authorize(gateway(), request);
  const now = () => gateway().clock.now();
  const query = (value: unknown) => parseAdminBody(listSchema, value, 'query');

  app.get('/admin/incidents', async (request) => {
    guard(request);
    const { open, limit } = query(request.query);
    const incidents = await service().store.listIncidents({
      ...(open === undefined ? {} : { open: open === 'true' }),
      limit: limit ?? 50,
    });
    return { incidents };
  });

  app.get<{ Params: { id: string } }>('/admin/incidents/:id', async (request) => {
    guard(request);
    const incident = await service().store.getIncident(request.params.id);
    if (incident === undefined) throw notFound(request.params.id);
    return { incident };
  });

  app.post('/admin/incidents', async (request, reply) => {
    guard(request);
    const input = parseAdminBody(newIncidentSchema, request.body, 'incident');
    const at = now();
    const incident = await service().store.createIncident(
      {
        id: newId('inc'),
        kind: input.kind,
        status: input.status,
        impact: input.impact,
        title: input.title,
        components: input.components,
        deployments: [],
        startedAt: at,
        updatedAt: at,
        evidence: { note: 'opened by an operator' },
        manual: true,
      },
      { at, status: input.status, body: input.body },
    );
    await service().notifier.enqueue({ type: 'incident.created', at, incident });
    reply.status(201);
    return { incident };
  });

  app.post<{ Params: { id: string } }>('/admin/incidents/:id/updates', async (request) => {
    guard(request);
    const input = parseAdminBody(updateSchema, request.body, 'incident update');
    const store = service().store;
    const existing = await store.getIncident(request.params.id);
    if (existing === undefined) throw notFound(request.params.id);
    const at = now();
    const status = input.status ?? existing.status;
    const changes = {
      status,
      ...(input.impact === undefined ? {} : { impact: input.impact }),
      ...(status === 'resolved' && existing.resolvedAt === undefined ? { resolvedAt: at } : {}),
    };
    const incident = await store.addIncidentUpdate(existing.id, { at, status, body: input.body }, changes);
    if (status === 'resolved') service().detector.release(incident.id);
    await service().notifier.enqueue({
      type: status === 'resolved' ? 'incident.resolved' : 'incident.updated',
      at,
      incident,
    });
    return { incident };
  });

  app.post<{ Params: { id: string } }>('/admin/incidents/:id/resolve', async (request) => {
    guard(request);
    const input = parseAdminBody(resolveSchema, request.body ?? {}, 'resolve');
    const store = service().store;
    const existing = await store.getIncident(request.params.id);
    if (existing === undefined) throw notFound(request.params.id);
    const at = now();
    const incident = await store.addIncidentUpdate(
      existing.id,
      { at, status: 'resolved', body: input.body ?? 'Resolved by an operator.' },
      { status: 'resolved', resolvedAt: existing.resolvedAt ?? at },
    );
    service().detector.release(incident.id);
    await service().notifier.enqueue({ type: 'incident.resolved', at, incident });
    return { incident };
  });

  app.get('/admin/alerts', async (request) => {
    guard(request);
    const { open, limit } = query(request.query);
    const alerts = await service().store.listAlerts({
      ...(open === undefined ? {} : { open: open === 'true' }),
      limit: limit ?? 50,
    });
    return { alerts };
  });

  app.get('/admin/maintenance', async (request) => {
    guard(request);
    return { maintenance: await service().store.listMaintenance({ from: now() }) };
  });

  app.post('/admin/maintenance', async (request, reply) => {
    guard(request);
    const input = parseAdminBody(maintenanceSchema, request.body, 'maintenance');
    const window = await service().store.createMaintenance({ ...input, createdAt: now() });
    reply.status(201);
    return { maintenance: window };
  });

  app.get('/admin/webhooks/deliveries', async (request) => {
    guard(request);
    const { status, limit } = query(request.query);
    const deliveries = await service().store.listDeliveries({
      ...(status === undefined ? {} : { status }),
      limit: limit ?? 50,
    });
    return { deliveries };
  });
}

function notFound(id: string): DetourError {
  return new DetourError('invalid_request', 'client_error', `no incident '${id}'`, {
    status: 404,
    param: 'id',
  });
}
