import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import {
  type DetectorOptions,
  IncidentDetector,
  type QualityView,
  type StatusEvent,
  WebhookNotifier,
  type WebhookTarget,
} from '../incidents/index.js';
import type { ModelTable, RoutingState } from '../routing/index.js';
import { PostgresStore, SqliteStore, type Store } from '../store/index.js';

/** The incident machinery of one running Detour: store, detector and webhook outbox. */
export interface StatusService {
  store: Store;
  detector: IncidentDetector;
  notifier: WebhookNotifier;
  /** The status section of the current config. */
  config(): DetourConfig['status'];
  /** Applies the current config's status timings to the detector (after a reload). */
  reconfigure(): void;
  /** Starts the timers (evaluation, outbox). */
  start(): void;
  /** Stops the timers and closes the store (buffered writes are flushed). */
  close(): Promise<void>;
}

/** Inputs of {@link createStatusService}. */
export interface StatusServiceInput {
  /** The current config (a function: reloads apply at the next evaluation). */
  config: () => DetourConfig;
  /** The current model table. */
  table: () => ModelTable;
  state: RoutingState;
  clock: Clock;
  /** The open store (see {@link openStore}). */
  store: Store;
  /** Called with every status event (logging). */
  onEvent?: (event: StatusEvent) => void;
  /** The quality canaries' view (alarms, readings); absent or undefined while canaries are off. */
  quality?: () => QualityView | undefined;
}

/**
 * Opens the configured store: an SQLite file, or PostgreSQL (connected and migrated before this
 * resolves, so a wrong URL stops the start with the driver's reason).
 */
export async function openStore(config: DetourConfig['store']): Promise<Store> {
  if (config.type === 'postgres') return PostgresStore.open({ url: config.url });
  return new SqliteStore({ path: config.path });
}

/** The detector's timings from the config's `status:` section. */
function detectorOptionsOf(status: DetourConfig['status']): Partial<DetectorOptions> {
  return {
    intervalMs: status.interval,
    enterMs: status.enterAfter,
    leaveMs: status.leaveAfter,
    incidentAfterMs: status.incidentAfter,
    resolveAfterMs: status.resolveAfter,
  };
}

/** Wires the store, the incident detector and the webhook notifier together. */
export function createStatusService(input: StatusServiceInput): StatusService {
  const store = input.store;
  const targets = (): WebhookTarget[] => input.config().webhooks;
  const notifier = new WebhookNotifier(store, targets, input.clock);
  const detector = new IncidentDetector(
    input.state,
    () => {
      const quality = input.quality?.();
      return quality === undefined ? { table: input.table() } : { table: input.table(), quality };
    },
    store,
    input.clock,
    detectorOptionsOf(input.config().status),
    (event) => {
      input.onEvent?.(event);
      // The outbox write is the durable step; sending happens on the notifier's own timer.
      void notifier.enqueue(event).catch(() => undefined);
    },
  );
  return {
    store,
    detector,
    notifier,
    config: () => input.config().status,
    reconfigure() {
      detector.configure(detectorOptionsOf(input.config().status));
    },
    start() {
      detector.start();
      notifier.start();
    },
    async close() {
      await detector.stop();
      await notifier.stop();
      await store.close();
    },
  };
}
