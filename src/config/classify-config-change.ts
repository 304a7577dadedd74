import type { ConfigPath } from './config-path.js';

/** When an edited key takes effect: on the next request (`live`) or when Detour restarts. */
export type ConfigEffect = 'live' | 'restart';

/**
 * Where each key of the config takes effect after a reload, by key path; the longest matching
 * prefix wins, so `server.adminKey` can be live inside a restart-only `server`. A key this table
 * does not name is treated as restart-only: claiming a change applied when it did not is the worse
 * error. Every top-level section must be named (a test walks the schema).
 */
export const CONFIG_EFFECTS: Readonly<Record<string, ConfigEffect>> = {
  // The listener and its limits are fixed when the port is bound.
  server: 'restart',
  // Read by the admin API on every call, so a leaked key can be rotated without a restart.
  'server.adminKey': 'live',
  // Providers, models, routing, timeouts and attempt limits are rebuilt for new requests; requests
  // in flight finish on the old ones.
  providers: 'live',
  models: 'live',
  routing: 'live',
  timeouts: 'live',
  // Retry budgets are updated in place and keep their counts and slots in use.
  retry: 'live',
  // Breakers, windows and throttles are updated in place and keep what they learned.
  health: 'live',
  // Opened once at start; moving it would orphan open incidents and the webhook outbox.
  store: 'restart',
  // The Redis connection is opened once at start, like the store.
  state: 'restart',
  // Whether keys are required is a property of the listener, like its address: opening or closing
  // the gateway takes a restart, never a file edit picked up on the fly.
  auth: 'restart',
  // The writer and its retention timer are made at start. Per-model `log.bodies` lives under
  // `models` and applies to the next request.
  log: 'restart',
  // Title and public models are read per page view; the detector's timings are updated in place.
  status: 'live',
  // Read at each delivery.
  webhooks: 'live',
  // Read per request from the gateway, which a reload rebuilds.
  streams: 'live',
  // The tracer and its exporter are made at start and flushed at close.
  telemetry: 'restart',
  // Nothing reads canaries yet (the scheduler is wired in by the gateway); until then a change
  // takes a restart, the safe claim.
  canaries: 'restart',
};

/** Where a change at `path` takes effect, from {@link CONFIG_EFFECTS}. */
export function classifyConfigChange(path: ConfigPath): ConfigEffect {
  const keys = path.map(String);
  for (let length = keys.length; length > 0; length -= 1) {
    const prefix = keys.slice(0, length).join('.');
    // Own keys only: a model named `constructor` must not find Object.prototype's.
    if (Object.hasOwn(CONFIG_EFFECTS, prefix)) return CONFIG_EFFECTS[prefix] as ConfigEffect;
  }
  return 'restart';
}
