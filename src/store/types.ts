/**
 * What the durable store holds: incidents and their timelines, per-minute component status samples
 * (for uptime), operator alerts, maintenance windows, the webhook outbox and the request log.
 * Times are epoch ms.
 */

/** A component's status, in Atlassian Statuspage's vocabulary. */
export type ComponentStatus =
  | 'operational'
  | 'degraded_performance'
  | 'partial_outage'
  | 'major_outage'
  | 'under_maintenance';

/** How bad a status is, 0 (operational) … 3 (major outage); maintenance is declared, not measured, so it ranks 0. */
export const STATUS_SEVERITY: Readonly<Record<ComponentStatus, number>> = {
  operational: 0,
  under_maintenance: 0,
  degraded_performance: 1,
  partial_outage: 2,
  major_outage: 3,
};

/** What an incident is about (DESIGN.md §7); `quality` comes with the canary evaluations. */
export type IncidentKind = 'outage' | 'overloaded' | 'latency' | 'quality';

/** Where an incident is in its timeline. */
export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

/** How much of the component's service it affects (Statuspage's `impact`). */
export type IncidentImpact = 'none' | 'minor' | 'major' | 'critical';

/** One entry of an incident's timeline. */
export interface IncidentUpdate {
  id: string;
  at: number;
  status: IncidentStatus;
  /** Plain-language text, written from the evidence (or by an operator). */
  body: string;
}

/** An incident with its timeline, oldest update first. */
export interface Incident {
  id: string;
  kind: IncidentKind;
  status: IncidentStatus;
  impact: IncidentImpact;
  title: string;
  /** Models (public components) it affects. */
  components: string[];
  /** Deployments it is about. */
  deployments: string[];
  startedAt: number;
  updatedAt: number;
  resolvedAt?: number;
  /** Measured numbers (see `incidents/incident-evidence.ts`). */
  evidence: Record<string, unknown>;
  /** Opened by an operator rather than the detector. */
  manual: boolean;
  updates: IncidentUpdate[];
}

/** The fields an update may change. */
export type IncidentChanges = Partial<
  Pick<Incident, 'status' | 'impact' | 'evidence' | 'resolvedAt' | 'title'>
>;

/** A component's status during one minute. */
export interface ComponentSample {
  component: string;
  /** Start of the minute. */
  minute: number;
  status: ComponentStatus;
}

/** Minutes spent in each status during one UTC day. */
export interface DailyUptime {
  /** `YYYY-MM-DD`. */
  day: string;
  minutes: Partial<Record<ComponentStatus, number>>;
}

/** Kinds of operator alerts: our side's faults, never public incidents. */
export type AlertKind = 'auth' | 'quota' | 'not_found' | 'rate_limited';

/** An operator alert. Never carries a credential. */
export interface Alert {
  id: string;
  at: number;
  kind: AlertKind;
  provider: string;
  deployment: string;
  message: string;
  resolvedAt?: number;
}

/** A maintenance window: its components show `under_maintenance` and it is not downtime. */
export interface Maintenance {
  id: string;
  title: string;
  /** Models or deployment ids. */
  components: string[];
  startsAt: number;
  endsAt: number;
  body?: string;
  createdAt: number;
}

/** One webhook delivery in the outbox. */
export interface WebhookDelivery {
  id: string;
  url: string;
  /** The JSON payload. */
  event: Record<string, unknown>;
  createdAt: number;
  /** Failed attempts so far. */
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  /** When to try next (pending only). */
  nextAttemptAt: number | null;
  deliveredAt?: number;
  lastError?: string;
}

/** What became of one attempt of a logged request. */
export interface RequestLogAttempt {
  /** Deployment id (`provider/upstream-model`). */
  deployment: string;
  /** `success`, or the failure class (DESIGN.md section 6). */
  outcome: string;
  latencyMs: number;
  /** A continuation of a stream broken off by the attempt before: characters of text the client had at the seam. */
  continuedAt?: number;
}

/** Token counts of a logged request; null when the host reported none. */
export interface RequestLogTokens {
  input: number | null;
  output: number | null;
  /** Prompt tokens read from the cache. */
  cached: number | null;
  /** Output tokens spent on reasoning. */
  reasoning: number | null;
}

/**
 * One row of the request log: one client request (DESIGN.md section 8). Times are epoch ms.
 * Bodies are present only when the model opted in, already redacted.
 */
export interface RequestLogRow {
  /** The request id (`x-request-id`). */
  id: string;
  /** When the request arrived. */
  time: number;
  /**
   * The client key. Client keys are a later issue: until then this is a SHA-256 prefix of the key
   * the client presented (`Authorization: Bearer` or `x-api-key`), or null when it presented none.
   */
  key: string | null;
  /** The client's wire format (`openai-chat`, `anthropic-messages`). */
  surface: string;
  stream: boolean;
  /** The model the client asked for. */
  requestedModel: string;
  /** The Detour model that answered (differs from the requested one after a fallback); null when none did. */
  answeringModel: string | null;
  /** The deployment that answered; null when none did. */
  deployment: string | null;
  /** Every attempt in order. */
  attempts: RequestLogAttempt[];
  /** HTTP status returned to the client. */
  status: number;
  /** `success`, the final failure class, or `abandoned` (the client left). */
  outcome: string;
  /** The normalised finish reason (`stop`, `length`, `tool_calls`, ...), when the answer said. */
  finishReason: string | null;
  tokens: RequestLogTokens;
  /** USD; null when no price was known. */
  costUsd: number | null;
  /** From arrival to the end of the answer (for streams: the end of the stream). */
  latencyMs: number;
  /** Streams: from arrival to the first content sent. */
  timeToFirstTokenMs: number | null;
  /** Why an `auto` model chose its candidate. */
  routeReason: string | null;
  /** Redacted request body (JSON text), only when enabled for the model. */
  requestBody: string | null;
  /** Redacted response body (JSON or SSE text), only when enabled for the model. */
  responseBody: string | null;
}

/** Filters of the request log; every one is optional. */
export interface RequestLogFilter {
  /** Inclusive start (epoch ms). */
  from?: number;
  /** Exclusive end (epoch ms). */
  to?: number;
  /** The requested model. */
  model?: string;
  deployment?: string;
  key?: string;
  /** HTTP status returned to the client. */
  status?: number;
  /** The request's final failure class (`outcome`). */
  failureClass?: string;
}

/** A page of the request log, newest first; `nextCursor` fetches the next (older) page. */
export interface RequestLogPage {
  rows: RequestLogRow[];
  nextCursor: string | null;
}

/** What usage can be grouped by. */
export type UsageGroupBy = 'model' | 'deployment' | 'key';

/** Query of {@link Store.aggregateUsage}. */
export interface UsageQuery extends RequestLogFilter {
  /** Group columns: one or more of model, deployment, key; none gives one total. */
  groupBy?: readonly UsageGroupBy[];
  /** Time buckets (UTC hours or days); none gives one bucket for the whole range. */
  period?: 'hour' | 'day';
}

/** One group of usage. */
export interface UsageBucket {
  /** Start of the hour or day (epoch ms), or null without a period. */
  periodStart: number | null;
  /** The group's values; only the grouped columns are present. */
  model?: string;
  deployment?: string | null;
  key?: string | null;
  requests: number;
  /** Requests whose outcome is a failure class (abandoned ones are neither errors nor successes). */
  errors: number;
  errorRate: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Sum of the known costs. */
  costUsd: number;
  /** Nearest-rank percentiles of the requests' latency. */
  latencyP50Ms: number;
  latencyP95Ms: number;
}

/** The period a spend budget covers; day, week (from Monday) and month are UTC calendar periods. */
export type BudgetPeriod = 'day' | 'week' | 'month' | 'total';

/** What a client key may do (DESIGN.md section 8). Absent limits are unlimited. */
export interface KeyScopes {
  /** Model names it may request, as globs (`claude-*`); empty allows every model. */
  models: string[];
  /** Requests per minute. */
  rpm?: number;
  /** Tokens (prompt + output) per minute. */
  tpm?: number;
  /** Spend budget in USD per period. */
  budget?: { usd: number; period: BudgetPeriod };
}

/** A client key as stored: never the key itself, only its SHA-256 and a visible prefix. */
export interface ClientKeyRecord {
  /** Stable id (`key_…`); survives rotation, names the key in the log and the usage. */
  id: string;
  /** Human name (`team-search`). */
  name: string;
  /** The first characters of the secret (`dtr_Ab3xYz9Q`), to recognise it; not enough to use it. */
  prefix: string;
  /** Hex SHA-256 of the whole secret. */
  hash: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  scopes: KeyScopes;
  /** Free-form labels (team, app). */
  metadata: Record<string, string>;
}

/** What {@link Store.updateClientKey} may change. */
export type ClientKeyChanges = Partial<
  Pick<ClientKeyRecord, 'name' | 'prefix' | 'hash' | 'revokedAt' | 'scopes' | 'metadata'>
> & {
  /** A new expiry; null removes it. */
  expiresAt?: number | null;
};

/**
 * Settled spend of one key: the budget ledger's row. Detour writes one per key and UTC day per
 * batch of settled requests (a row per request cost more than the rest of a budget check).
 */
export interface SpendEntry {
  /** Unique id of the entry; a second entry with the same id is ignored, so a retried write counts once. */
  id: string;
  keyId: string;
  at: number;
  usd: number;
}

/* Canary results (DESIGN.md §7 "Quality canaries"), re-exported by `canaries/types.ts`. */

/** One canary run on one deployment. Graded only when the host answered. */
export interface CanaryResult {
  /** Deployment id (`provider/upstream-model`). */
  deployment: string;
  /** The Detour model the deployment serves. */
  model: string;
  /** The provider (host) name, for the per-provider cost cap. */
  provider: string;
  suite: string;
  caseId: string;
  /** When it was sent (epoch ms). */
  at: number;
  /**
   * True when the answer passed its grader; false when it failed it; null when the host did not
   * answer (then `failureClass` says why): an infrastructure failure is not a quality sample.
   */
  pass: boolean | null;
  /** The grader's detail, or the error message when the host did not answer. */
  detail: string;
  /** The failure class (DESIGN.md §6) when the host did not answer. */
  failureClass?: string;
  latencyMs: number;
  /** What the run cost at catalog prices (0 when no price is known or nothing was billed). */
  costUsd: number;
  /** The model version string the host reported (`model` of the answer), when it answered. */
  responseModel?: string;
}

/** Which canary results to read back. */
export interface CanaryResultQuery {
  deployment?: string;
  model?: string;
  /** Inclusive (epoch ms). */
  from?: number;
  /** Exclusive (epoch ms). */
  to?: number;
  /** Newest first; default 1000. */
  limit?: number;
}

/** Pass counts of one deployment and suite over a time range (answered runs only). */
export interface CanaryTally {
  deployment: string;
  model: string;
  suite: string;
  /** Runs the host answered (graded). */
  graded: number;
  passed: number;
  /** Runs the host did not answer. */
  unanswered: number;
  costUsd: number;
}

/** Which runs {@link Store.tallyCanaries} counts. */
export interface CanaryTallyQuery {
  /** Inclusive (epoch ms). */
  from: number;
  /** Exclusive (epoch ms). */
  to?: number;
  deployment?: string;
  model?: string;
}

/**
 * The durable store. Methods are async so a networked implementation (PostgreSQL) fits the same
 * contract; `recordSamples` is fire-and-forget and batched, and `flush` writes what is buffered.
 */
export interface Store {
  createIncident(incident: Omit<Incident, 'updates'>, first: Omit<IncidentUpdate, 'id'>): Promise<Incident>;
  /** Appends an update and applies changes; throws when the incident does not exist. */
  addIncidentUpdate(
    id: string,
    update: Omit<IncidentUpdate, 'id'>,
    changes: IncidentChanges,
  ): Promise<Incident>;
  getIncident(id: string): Promise<Incident | undefined>;
  /** Newest first. `open`: true for unresolved only, false for resolved only; `since`: started or still open after this time. */
  listIncidents(query: { open?: boolean; since?: number; limit?: number }): Promise<Incident[]>;

  /** Buffers samples; within one minute the worst status of a component wins. */
  recordSamples(samples: readonly ComponentSample[]): void;
  /** The last `days` UTC days up to `now`'s, oldest first, days without samples included (empty). */
  dailyUptime(component: string, days: number, now: number): Promise<DailyUptime[]>;

  recordAlert(alert: Omit<Alert, 'id' | 'resolvedAt'>): Promise<Alert>;
  resolveAlert(id: string, at: number): Promise<void>;
  /** Newest first. `open`: true for unresolved only, false for resolved only. */
  listAlerts(query: { open?: boolean; limit?: number }): Promise<Alert[]>;

  createMaintenance(window: Omit<Maintenance, 'id'>): Promise<Maintenance>;
  /** `activeAt`: windows in force at that time; `from`: windows not over by then (active or upcoming). */
  listMaintenance(query: { activeAt?: number; from?: number }): Promise<Maintenance[]>;

  enqueueDelivery(input: {
    url: string;
    event: Record<string, unknown>;
    now: number;
  }): Promise<WebhookDelivery>;
  /**
   * Pending deliveries due by `now` and not claimed by a sender, oldest first. With `leaseMs` the call
   * claims them, atomically: no other call (another replica's included) returns them before
   * `now + leaseMs`, unless an attempt is recorded first. A sender that dies mid-send thus loses its
   * claim when the lease ends, and each delivery goes to one sender at a time.
   */
  dueDeliveries(now: number, limit: number, leaseMs?: number): Promise<WebhookDelivery[]>;
  /** Records the delivery as sent (and ends its claim). */
  markDelivered(id: string, at: number): Promise<void>;
  /** Counts a failed attempt and ends its claim; `next` null gives the delivery up as failed. */
  markAttemptFailed(id: string, error: string, next: number | null): Promise<void>;
  /** Newest first. */
  listDeliveries(query: { status?: WebhookDelivery['status']; limit?: number }): Promise<WebhookDelivery[]>;

  /** Writes request-log rows in one transaction (the request-log writer's batch). */
  insertRequestLogs(rows: readonly RequestLogRow[]): Promise<void>;
  /** Newest first (by time, then id); `cursor` is a previous page's `nextCursor` (a RangeError when it is not one). */
  listRequestLogs(query: RequestLogFilter & { limit?: number; cursor?: string }): Promise<RequestLogPage>;
  /** Sums and latency percentiles over the filtered rows, by group and period. */
  aggregateUsage(query: UsageQuery): Promise<UsageBucket[]>;
  /** Deletes request-log rows older than `time`; says how many. */
  deleteRequestLogsBefore(time: number): Promise<number>;

  /** Stores a new client key; a RangeError when its id or hash is taken. */
  insertClientKey(key: ClientKeyRecord): Promise<void>;
  /** The key whose secret hashes to `hash`, revoked and expired ones included. */
  findClientKeyByHash(hash: string): Promise<ClientKeyRecord | undefined>;
  getClientKey(id: string): Promise<ClientKeyRecord | undefined>;
  /** Oldest first. */
  listClientKeys(): Promise<ClientKeyRecord[]>;
  /** Applies changes; throws a RangeError when the key does not exist. */
  updateClientKey(id: string, changes: ClientKeyChanges): Promise<ClientKeyRecord>;
  /** Appends to the spend ledger in one transaction; an entry whose request id is there already is ignored. */
  recordSpend(entries: readonly SpendEntry[]): Promise<void>;
  /** A key's spend recorded at or after `since`. */
  sumSpend(keyId: string, since: number): Promise<number>;
  /** Claims a budget alert once: true the first time for (key, period start, threshold), false after. */
  claimBudgetAlert(keyId: string, periodStart: number, threshold: number, at: number): Promise<boolean>;

  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs`, atomically across every
   * replica on this store: true when `holder` holds it now (it was free, had run out by `now`, or was
   * already `holder`'s), false while another holder's lease runs. A holder that stops renewing (a
   * replica that died) thus loses it at the end of its term, and one holder at a time does the work.
   */
  acquireLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean>;
  /** Gives up `holder`'s lease `name` at once (a clean shutdown); nothing when another holds it. */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Writes canary results in one transaction. */
  recordCanaryResults(rows: readonly CanaryResult[]): Promise<void>;
  /** Newest first (by time, then deployment, suite and case); at most `limit` (default 1000). */
  listCanaryResults(query: CanaryResultQuery): Promise<CanaryResult[]>;
  /** Pass counts per deployment and suite over a range, ordered by deployment then suite. */
  tallyCanaries(query: CanaryTallyQuery): Promise<CanaryTally[]>;
  /** What a provider's canaries cost at or after `since` (the monthly cap's spend). */
  sumCanaryCost(provider: string, since: number): Promise<number>;
  /** Deletes canary results older than `time` (the request log's retention); says how many. */
  deleteCanaryResultsBefore(time: number): Promise<number>;

  /** Writes buffered samples now. */
  flush(): Promise<void>;
  /** Flushes and closes. */
  close(): Promise<void>;
}
