import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import {
  type DetectorOptions,
  IncidentDetector,
  type StatusEvent,
  WebhookNotifier,
  type WebhookTarget,
} from '../incidents/index.js';
import type { ModelTable, RoutingState } from '../routing/index.js';
import { SqliteStore, type Store } from '../store/index.js';

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
  /** A store to use instead of opening the config's (tests pass an in-memory one). */
  store?: Store;
  /** Called with every status event (logging). */
  onEvent?: (event: StatusEvent) => void;
}

/** Opens the configured store. PostgreSQL is the scale-out store of a later release. */
export function openStore(config: DetourConfig['store']): Store {
  if (config.type === 'postgres') {
    throw new Error('store.postgres is not available in this version of Detour; use store.sqlite');
  }
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
  const store = input.store ?? openStore(input.config().store);
  const targets = (): WebhookTarget[] => input.config().webhooks;
  const notifier = new WebhookNotifier(store, targets, input.clock);
  const detector = new IncidentDetector(
    input.state,
    () => ({ table: input.table() }),
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
