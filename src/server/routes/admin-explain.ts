import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CanaryTally } from '../../canaries/types.js';
import { DetourError, parseDuration } from '../../core/index.js';
import {
  bucketWidthFor,
  type CanarySlice,
  explainModel,
  type ModelExplanation,
} from '../../incidents/index.js';
import type { RequestLogRow, Store } from '../../store/index.js';
import type { CanaryTallies, Gateway } from '../gateway.js';
import { authorize, parseAdminBody, readHealth } from './admin.js';

const MINUTE = 60_000;
/** Shortest and longest window: a bucket needs a minute; a week keeps 168 hourly buckets. */
const SHORTEST = MINUTE;
const LONGEST = 7 * 24 * 60 * MINUTE;
/** The period before the window that gives each host its usual first-token time and canary rate. */
const BASELINE_SPAN = 24 * 60 * MINUTE;
/** Rows read from the window at most (newest first); beyond, the counts are a recent sample. */
const ROW_PAGES = 20;
const PAGE_SIZE = 1_000;
/** The canary timeline's slices: a tally query each, so fewer and coarser than the buckets. */
const CANARY_SLICES = 12;

const explainQuery = z.strictObject({
  model: z.string().min(1),
  since: z
    .string()
    .default('1h')
    .transform((text, context) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < SHORTEST || ms > LONGEST) {
        context.addIssue({ code: 'custom', message: 'a duration from 1m to 7d, such as 30m, 2h or 1d' });
        return z.NEVER;
      }
      return { text: text.trim(), ms };
    }),
});

/** Every row of the filter, newest first, up to `pages` pages; says whether more were left. */
async function readRows(
  store: Store,
  filter: { model: string; from: number; to: number },
  pages: number,
): Promise<{ rows: RequestLogRow[]; truncated: boolean }> {
  const rows: RequestLogRow[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < pages; page += 1) {
    const result = await store.listRequestLogs({
      ...filter,
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    rows.push(...result.rows);
    if (result.nextCursor === null) return { rows, truncated: false };
    cursor = result.nextCursor;
  }
  return { rows, truncated: true };
}

/** Canary tallies over the window in slices (whole buckets each) and over the period before it. */
async function readCanaries(
  tallies: CanaryTallies,
  model: string,
  window: { from: number; to: number },
  bucketMs: number,
  before: { from: number; to: number; model: string },
): Promise<{ slices: CanarySlice[]; before: CanaryTally[] }> {
  const buckets = Math.ceil((window.to - window.from) / bucketMs);
  const width = Math.ceil(buckets / CANARY_SLICES) * bucketMs;
  const ranges: Array<{ from: number; to: number }> = [];
  for (let start = window.from; start < window.to; start += width) {
    ranges.push({ from: start, to: Math.min(window.to, start + width) });
  }
  const [earlier, ...sliced] = await Promise.all([
    tallies(before),
    ...ranges.map((range) => tallies({ ...range, model })),
  ]);
  return {
    slices: ranges.map((range, index) => ({ ...range, tallies: sliced[index] ?? [] })),
    before: earlier ?? [],
  };
}

/** Gathers the request log, live health, canaries and incidents of one model and explains them. */
export async function buildExplanation(
  gateway: Gateway,
  store: Store,
  model: string,
  since: { text: string; ms: number },
): Promise<ModelExplanation> {
  const route = gateway.table.get(model);
  if (route === undefined) {
    throw new DetourError('invalid_request', 'client_error', `model '${model}' is not configured`, {
      status: 404,
      param: 'model',
    });
  }
  const deployments = route.deployments.map((deployment) => deployment.deploymentId);
  // `to` is exclusive: a request logged this very millisecond belongs in the window.
  const to = gateway.clock.now() + 1;
  const from = to - since.ms;
  const before = { from: from - BASELINE_SPAN, to: from, model };
  const bucketMs = bucketWidthFor(since.ms);
  const tallies = gateway.canaryTallies;
  const [window, baseline, incidents, canaries] = await Promise.all([
    readRows(store, { model, from, to }, ROW_PAGES),
    readRows(store, before, 1),
    store.listIncidents({ since: from, limit: 100 }),
    tallies === undefined ? undefined : readCanaries(tallies, model, { from, to }, bucketMs, before),
  ]);
  const live = new Map(
    readHealth(gateway)
      .filter((row) => deployments.includes(row.deployment))
      .map((row) => [
        row.deployment,
        { state: row.status.state, degraded: row.status.degraded, baselineTtftMs: row.baselineTtftMs },
      ]),
  );
  return explainModel({
    model,
    deployments,
    from,
    to,
    since: since.text,
    bucketMs,
    rows: window.rows,
    baselineRows: baseline.rows,
    live,
    ...(canaries === undefined ? {} : { canaries }),
    incidents,
    truncated: window.truncated,
  });
}

/**
 * `GET /admin/explain?model=M&since=2h`: is it the model or the infrastructure? Per host timelines
 * of errors by class, errors that reached users, first-token latency against its baseline and canary
 * pass rates, with findings and one verdict. Same admin key as the rest of the admin API.
 */
export function registerAdminExplainRoute(
  app: FastifyInstance,
  gateway: () => Gateway,
  store: () => Store,
): void {
  app.get('/admin/explain', async (request) => {
    const current = gateway();
    authorize(current, request);
    const query = parseAdminBody(explainQuery, request.query, 'explain query');
    return buildExplanation(current, store(), query.model, query.since);
  });
}
