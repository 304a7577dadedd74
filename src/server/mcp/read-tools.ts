import { z } from 'zod';
import type { Incident } from '../../store/index.js';
import type { DeploymentHealthRow } from '../routes/admin.js';
import type { AdminApi } from './admin-api.js';
import { callAdmin, defineTool, failure, success } from './define-tool.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/** `GET /admin/health`'s answer. */
interface HealthAnswer {
  now: number;
  deployments: DeploymentHealthRow[];
}

/** A deployment's state in one line of fields: what an agent needs to judge it at a glance. */
function summaryOf(row: DeploymentHealthRow) {
  const minute = row.windows.oneMinute;
  return {
    deployment: row.deployment,
    provider: row.provider,
    state: row.status.state,
    drained: row.status.drained,
    forced: row.status.forced,
    demoted: row.status.demoted,
    slow: row.status.degraded,
    ...(row.status.disabled === undefined ? {} : { disabled: row.status.disabled }),
    ...(row.status.coolingUntil === undefined ? {} : { coolingUntil: row.status.coolingUntil }),
    ...(row.openUntil === undefined ? {} : { openUntil: row.openUntil }),
    lastMinute: { requests: minute.total, failures: minute.failures, errorRate: minute.failureRate },
  };
}

async function readHealth(api: AdminApi) {
  const outcome = await callAdmin(api, 'GET', '/admin/health');
  if (!outcome.ok) return outcome;
  return { ok: true as const, health: outcome.body as HealthAnswer };
}

/** An incident without its evidence and updates, for lists. */
function incidentSummary(incident: Incident) {
  return {
    id: incident.id,
    title: incident.title,
    kind: incident.kind,
    status: incident.status,
    impact: incident.impact,
    models: incident.components,
    deployments: incident.deployments,
    startedAt: incident.startedAt,
    updatedAt: incident.updatedAt,
    ...(incident.resolvedAt === undefined ? {} : { resolvedAt: incident.resolvedAt }),
    manual: incident.manual,
    updates: incident.updates.length,
  };
}

const HOUR = 3_600_000;

export const listModels = defineTool({
  name: 'list_models',
  title: 'List models',
  description:
    'Every model Detour serves, each with its deployments (provider/upstream-model) and their live health: ' +
    'breaker state (closed, open, half-open), drained/forced/demoted/slow flags, and the last minute of ' +
    'requests and error rate.',
  input: {},
  annotations: READ_ONLY,
  async run(_input, api) {
    const read = await readHealth(api);
    if (!read.ok) return read.result;
    const models = new Map<string, ReturnType<typeof summaryOf>[]>();
    for (const row of read.health.deployments) {
      for (const model of row.models) {
        const list = models.get(model) ?? [];
        list.push(summaryOf(row));
        models.set(model, list);
      }
    }
    return success({
      now: read.health.now,
      models: [...models].map(([model, deployments]) => ({ model, deployments })),
    });
  },
});

export const getHealth = defineTool({
  name: 'get_health',
  title: 'Health of a model or deployment',
  description:
    'The health of one model (all its deployments) or one deployment: breaker state, ejections, ' +
    'failures in a row, error rate and latency over 10 s / 1 min / 5 min, next probe; and history: ' +
    'incidents that name it and its hourly requests and error rate over the last 24 h. Give exactly ' +
    'one of `model` or `deployment`.',
  input: {
    model: z.string().min(1).optional().describe('A Detour model name, as in list_models'),
    deployment: z.string().min(1).optional().describe('A deployment id, `provider/upstream-model`'),
  },
  annotations: READ_ONLY,
  async run(input, api) {
    if ((input.model === undefined) === (input.deployment === undefined)) {
      return failure('get_health: give exactly one of `model` or `deployment` (field: model)');
    }
    const read = await readHealth(api);
    if (!read.ok) return read.result;
    const rows = read.health.deployments.filter((row) =>
      input.model !== undefined ? row.models.includes(input.model) : row.deployment === input.deployment,
    );
    if (rows.length === 0) {
      const [field, value, known] =
        input.model !== undefined
          ? ['model', input.model, [...new Set(read.health.deployments.flatMap((row) => row.models))]]
          : ['deployment', input.deployment, read.health.deployments.map((row) => row.deployment)];
      return failure(
        `get_health: unknown ${field} '${value}' (field: ${field}); known: ${known.join(', ') || 'none'}`,
      );
    }
    const filter =
      input.model !== undefined ? { model: input.model } : { deployment: input.deployment ?? '' };
    const models = new Set(rows.flatMap((row) => row.models));
    const ids = new Set(rows.map((row) => row.deployment));
    const history = await readHistory(api, read.health.now, filter, (incident) =>
      input.model !== undefined
        ? incident.components.includes(input.model) || incident.deployments.some((id) => ids.has(id))
        : incident.deployments.some((id) => ids.has(id)) || incident.components.some((m) => models.has(m)),
    );
    return success({ now: read.health.now, ...filter, deployments: rows, ...history });
  },
});

/**
 * The history the admin API keeps: incidents naming the target and the request log's hourly sums.
 * A gateway without a status service has neither route; the health above still stands without them.
 */
async function readHistory(
  api: AdminApi,
  now: number,
  filter: { model: string } | { deployment: string },
  concerns: (incident: Incident) => boolean,
) {
  const history: { incidents?: unknown[]; lastDayByHour?: unknown; historyUnavailable?: string[] } = {};
  const unavailable: string[] = [];
  const incidents = await callAdmin(api, 'GET', '/admin/incidents?limit=100');
  if (incidents.ok) {
    history.incidents = (incidents.body as { incidents: Incident[] }).incidents
      .filter(concerns)
      .map(incidentSummary);
  } else unavailable.push('incidents');
  const query = new URLSearchParams({ ...filter, from: String(now - 24 * HOUR), period: 'hour' });
  const usage = await callAdmin(api, 'GET', `/admin/usage?${query}`);
  if (usage.ok) history.lastDayByHour = (usage.body as { usage: unknown }).usage;
  else unavailable.push('usage');
  if (unavailable.length > 0) history.historyUnavailable = unavailable;
  return history;
}

export const listIncidents = defineTool({
  name: 'list_incidents',
  title: 'List incidents',
  description:
    'Incidents, newest first: detected outages, overload, latency and quality incidents and those opened by ' +
    'an operator, with the models and deployments they affect. `open: true` for open ones only.',
  input: {
    open: z.boolean().optional().describe('true: open only; false: resolved only; absent: both'),
    limit: z.number().int().min(1).max(500).default(20).describe('Most incidents to return (default 20)'),
  },
  annotations: READ_ONLY,
  async run(input, api) {
    const query = new URLSearchParams({ limit: String(input.limit) });
    if (input.open !== undefined) query.set('open', String(input.open));
    const outcome = await callAdmin(api, 'GET', `/admin/incidents?${query}`);
    if (!outcome.ok) return outcome.result;
    const incidents = (outcome.body as { incidents: Incident[] }).incidents;
    return success({ incidents: incidents.map(incidentSummary) });
  },
});

export const getIncident = defineTool({
  name: 'get_incident',
  title: 'Incident details',
  description:
    'One incident by id (from list_incidents): its evidence (the measured numbers that opened it) and its ' +
    'timeline of status updates, oldest first.',
  input: { id: z.string().min(1).describe('Incident id, `inc_…`') },
  annotations: READ_ONLY,
  async run(input, api) {
    const outcome = await callAdmin(api, 'GET', `/admin/incidents/${encodeURIComponent(input.id)}`);
    if (!outcome.ok) return outcome.result;
    const { updates, ...incident } = (outcome.body as { incident: Incident }).incident;
    return success({ ...incident, timeline: [...updates].sort((left, right) => left.at - right.at) });
  },
});

const time = z
  .union([z.number().int().min(0), z.string().min(1)])
  .describe('Epoch ms, or ISO 8601 with an offset');

export const usageSummary = defineTool({
  name: 'usage_summary',
  title: 'Usage summary',
  description:
    'Requests, tokens, cost (USD), error rate and p50/p95 latency from the request log, summed over a time ' +
    'range and grouped by model, deployment and/or client key, optionally per hour or day.',
  input: {
    from: time.optional(),
    to: time.optional(),
    model: z.string().min(1).optional(),
    deployment: z.string().min(1).optional(),
    key: z.string().min(1).optional().describe('Client key id'),
    groupBy: z.array(z.enum(['model', 'deployment', 'key'])).optional(),
    period: z.enum(['hour', 'day']).optional(),
  },
  annotations: READ_ONLY,
  async run(input, api) {
    const query = new URLSearchParams();
    for (const field of ['from', 'to', 'model', 'deployment', 'key', 'period'] as const) {
      const value = input[field];
      if (value !== undefined) query.set(field, String(value));
    }
    if (input.groupBy !== undefined && input.groupBy.length > 0)
      query.set('groupBy', input.groupBy.join(','));
    const outcome = await callAdmin(api, 'GET', `/admin/usage?${query}`);
    if (!outcome.ok) return outcome.result;
    return success(outcome.body);
  },
});

export const explainModel = defineTool({
  name: 'explain',
  title: 'Is it the model or the infrastructure?',
  description:
    "One model's timeline per host over a recent window (errors by class and how many reached users " +
    'after failover, first-token latency against its usual, canary pass rate) and a verdict: ' +
    'infrastructure, capacity, latency, quality, configuration (our side) or nothing, with the numbers.',
  input: {
    model: z.string().min(1).describe('A configured model name'),
    since: z
      .string()
      .min(1)
      .optional()
      .describe('How far back: 1m to 7d, such as 30m, 2h or 1d (default 1h)'),
  },
  annotations: READ_ONLY,
  async run(input, api) {
    const query = new URLSearchParams({ model: input.model });
    if (input.since !== undefined) query.set('since', input.since);
    const outcome = await callAdmin(api, 'GET', `/admin/explain?${query}`);
    if (!outcome.ok) return outcome.result;
    return success(outcome.body);
  },
});

export const qualityStatus = defineTool({
  name: 'quality_status',
  title: 'Answer quality per deployment',
  description:
    "Per deployment, the quality canaries' statistics (phase, baseline and recent pass rate, the " +
    'sequential test, an open quality alarm with its evidence) and passive signals from live answers ' +
    '(cut-off, filtered and empty answers, invalid JSON or tool arguments, output length).',
  input: {
    deployment: z.string().min(1).optional().describe('Only this deployment (provider/upstream-model)'),
  },
  annotations: READ_ONLY,
  async run(input, api) {
    const outcome = await callAdmin(api, 'GET', '/admin/quality');
    if (!outcome.ok) return outcome.result;
    const body = outcome.body as { canaries: string; deployments: Array<{ deployment: string }> };
    if (input.deployment === undefined) return success(body);
    const row = body.deployments.find((entry) => entry.deployment === input.deployment);
    if (row === undefined)
      return failure(`no configured deployment '${input.deployment}' (field: deployment)`);
    return success({ canaries: body.canaries, deployment: row });
  },
});
