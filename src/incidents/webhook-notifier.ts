import { createHmac } from 'node:crypto';
import { request } from 'undici';
import type { Clock } from '../core/index.js';
import type { Store, WebhookDelivery } from '../store/index.js';
import type { StatusEvent } from './status-event.js';

/** One configured webhook (config `webhooks:`). */
export interface WebhookTarget {
  url: string;
  /** HMAC-SHA256 key of the signature header; a secret. */
  secret?: string;
  /** `json`: Detour's event; `slack`: a Slack-compatible `{ text }` message. */
  format: 'json' | 'slack';
  /** Which event families to send; default all. */
  events: ReadonlyArray<'component' | 'incident' | 'alert'>;
}

/** Knobs of the sender. */
export interface WebhookSenderOptions {
  /** How often the outbox is read, in ms; default 1 s. */
  intervalMs: number;
  /** First retry delay, doubled per attempt, in ms; default 1 s. */
  backoffBaseMs: number;
  /** Longest retry delay, in ms; default 1 h. */
  backoffMaxMs: number;
  /** Attempts before a delivery is given up as failed; default 12. */
  maxAttempts: number;
  /** Per-delivery timeout (connecting, sending and reading the answer), in ms; default 10 s. */
  timeoutMs: number;
  /**
   * How long a round's claim on its deliveries lasts, in ms; default 1 min. Replicas sharing one
   * outbox skip deliveries another has claimed, so each is sent once; longer than `timeoutMs`, so a
   * claim outlasts its send, with room for clocks of replicas that disagree a little. A replica that
   * dies mid-round leaves its deliveries to the others when the claim ends.
   */
  leaseMs: number;
}

const DEFAULTS: WebhookSenderOptions = {
  intervalMs: 1_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 3_600_000,
  maxAttempts: 12,
  timeoutMs: 10_000,
  leaseMs: 60_000,
};

/** The family an event belongs to, for the `events` filter. */
function familyOf(event: StatusEvent): WebhookTarget['events'][number] {
  if (event.type.startsWith('component.')) return 'component';
  if (event.type.startsWith('incident.')) return 'incident';
  return 'alert';
}

/** One line a human reads (Slack messages, logs). */
export function summariseEvent(event: StatusEvent): string {
  switch (event.type) {
    case 'component.status_changed':
      return `${event.component}: ${event.from.replaceAll('_', ' ')} → ${event.to.replaceAll('_', ' ')}`;
    case 'incident.created':
    case 'incident.updated':
    case 'incident.resolved': {
      const latest = event.incident.updates.at(-1);
      return `[${event.incident.status}] ${event.incident.title}${latest?.body ? ` — ${latest.body}` : ''}`;
    }
    case 'alert.raised':
      return `Alert (${event.alert.kind}): ${event.alert.message}`;
    case 'alert.resolved':
      return `Alert resolved (${event.kind}) on ${event.deployment}`;
    case 'budget.threshold':
      return `Budget: key ${event.key.name} (${event.key.prefix}…) has spent $${event.spentUsd.toFixed(2)} of its ${event.period} budget of $${event.limitUsd.toFixed(2)} (${Math.round(event.threshold * 100)} %)`;
  }
}

/** The signature header value: `sha256=` HMAC of `<timestamp>.<body>` (the timestamp blocks replays). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Delivers status events to webhooks through the store's persisted outbox: an event is written to
 * the outbox first and sent after, with retries and back-off, so nothing is lost across a restart.
 */
export class WebhookNotifier {
  private readonly options: WebhookSenderOptions;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private readonly writing = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly targets: () => readonly WebhookTarget[],
    private readonly clock: Clock,
    options: Partial<WebhookSenderOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    if (this.options.leaseMs <= this.options.timeoutMs) {
      throw new RangeError('leaseMs must be longer than timeoutMs, or a slow send could be sent twice');
    }
  }

  /** Writes an event to the outbox of every webhook that wants it. */
  enqueue(event: StatusEvent): Promise<void> {
    const write = this.write(event);
    // Callers may fire and forget; a round of sending waits for writes already begun.
    this.writing.add(write);
    return write.finally(() => this.writing.delete(write));
  }

  private async write(event: StatusEvent): Promise<void> {
    const now = this.clock.now();
    for (const target of this.targets()) {
      if (!target.events.includes(familyOf(event))) continue;
      const payload =
        target.format === 'slack'
          ? { text: summariseEvent(event) }
          : ({ ...event } as unknown as Record<string, unknown>);
      await this.store.enqueueDelivery({ url: target.url, event: payload, now });
    }
  }

  /** Reads the outbox every `intervalMs`. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      // A slow round is not queued behind: the next tick after it ends reads the outbox again.
      if (this.sending === undefined) void this.deliverDue().catch(() => undefined);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops reading the outbox; waits for deliveries in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sending;
  }

  /**
   * Sends every delivery due now, once: events enqueued before the call are included, and a round
   * already under way is waited for first (rounds never overlap), so what it read earlier is not
   * mistaken for this round.
   */
  deliverDue(): Promise<void> {
    const round = (this.sending ?? Promise.resolve()).then(() => this.sendRound());
    // What the next round waits for: this one ending, well or not (the caller gets its error).
    const ended: Promise<void> = round
      .catch(() => undefined)
      .finally(() => {
        if (this.sending === ended) this.sending = undefined;
      });
    this.sending = ended;
    return round;
  }

  private async sendRound(): Promise<void> {
    await Promise.allSettled([...this.writing]);
    const due = await this.store.dueDeliveries(this.clock.now(), 50, this.options.leaseMs);
    await Promise.all(due.map((delivery) => this.send(delivery)));
  }

  private async send(delivery: WebhookDelivery): Promise<void> {
    const target = this.targets().find((candidate) => candidate.url === delivery.url);
    if (target === undefined) {
      await this.store.markAttemptFailed(delivery.id, 'webhook no longer configured', null);
      return;
    }
    const body = JSON.stringify(delivery.event);
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'detour-webhooks',
      'x-detour-delivery': delivery.id,
      'x-detour-timestamp': timestamp,
    };
    if (typeof delivery.event.type === 'string') headers['x-detour-event'] = delivery.event.type;
    if (target.secret !== undefined)
      headers['x-detour-signature'] = signWebhook(target.secret, timestamp, body);
    let error: string | undefined;
    try {
      const response = await request(delivery.url, {
        method: 'POST',
        headers,
        body,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
        // The whole send ends within the timeout, so within the round's claim.
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body.dump();
      if (response.statusCode < 200 || response.statusCode >= 300) error = `HTTP ${response.statusCode}`;
    } catch (thrown) {
      error = thrown instanceof Error ? thrown.message : String(thrown);
    }
    const now = this.clock.now();
    if (error === undefined) {
      await this.store.markDelivered(delivery.id, now);
      return;
    }
    const attempts = delivery.attempts + 1;
    const next =
      attempts >= this.options.maxAttempts
        ? null
        : now + Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (attempts - 1));
    await this.store.markAttemptFailed(delivery.id, error, next);
  }
}
