import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { invalidRequest } from '../../core/index.js';
import type { RequestLogFilter, Store, UsageGroupBy } from '../../store/index.js';
import type { Gateway } from '../gateway.js';
import { authorize, parseAdminBody } from './admin.js';

const GROUPS = ['model', 'deployment', 'key'] as const satisfies readonly UsageGroupBy[];

/** A time in a query string: epoch ms, or ISO 8601 with an offset. */
const queryTime = z.union([
  z
    .string()
    .regex(/^\d+$/)
    .transform((text) => Number(text)),
  z.iso.datetime({ offset: true }).transform((text) => Date.parse(text)),
]);

const filterShape = {
  from: queryTime.optional(),
  to: queryTime.optional(),
  model: z.string().min(1).optional(),
  deployment: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  failureClass: z.string().min(1).optional(),
};

const requestsQuery = z.strictObject({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(1_000).optional(),
  cursor: z.string().min(1).optional(),
});

const usageQuery = z.strictObject({
  ...filterShape,
  groupBy: z
    .string()
    .transform((text) => text.split(',').filter((part) => part !== ''))
    .pipe(z.array(z.enum(GROUPS)))
    .optional(),
  period: z.enum(['hour', 'day']).optional(),
});

/** The filter fields that were given (optional properties stay absent rather than undefined). */
function filterOf(query: z.infer<typeof usageQuery> | z.infer<typeof requestsQuery>): RequestLogFilter {
  const filter: RequestLogFilter = {};
  if (query.from !== undefined) filter.from = query.from;
  if (query.to !== undefined) filter.to = query.to;
  if (query.model !== undefined) filter.model = query.model;
  if (query.deployment !== undefined) filter.deployment = query.deployment;
  if (query.key !== undefined) filter.key = query.key;
  if (query.status !== undefined) filter.status = query.status;
  if (query.failureClass !== undefined) filter.failureClass = query.failureClass;
  return filter;
}

/**
 * The request log and usage over the admin API: `GET /admin/requests` (rows, newest first, cursor
 * pages) and `GET /admin/usage` (sums, error rate, p50/p95 latency by group and hour or day). Same
 * admin key as the rest of the admin API.
 */
export function registerAdminUsageRoutes(
  app: FastifyInstance,
  gateway: () => Gateway,
  store: () => Store,
): void {
  app.get('/admin/requests', async (request) => {
    authorize(gateway(), request);
    const query = parseAdminBody(requestsQuery, request.query, 'request log query');
    try {
      return await store().listRequestLogs({
        ...filterOf(query),
        limit: query.limit ?? 100,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
    } catch (error) {
      if (error instanceof RangeError) throw invalidRequest(`request log query: ${error.message}`, 'cursor');
      throw error;
    }
  });

  app.get('/admin/usage', async (request) => {
    authorize(gateway(), request);
    const query = parseAdminBody(usageQuery, request.query, 'usage query');
    const usage = await store().aggregateUsage({
      ...filterOf(query),
      ...(query.groupBy === undefined ? {} : { groupBy: query.groupBy }),
      ...(query.period === undefined ? {} : { period: query.period }),
    });
    return { usage };
  });
}
