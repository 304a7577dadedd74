import {
  AccessControl,
  BudgetGuard,
  type BudgetThresholdEvent,
  KeyDirectory,
  MemoryRateLimiter,
} from '../access/index.js';
import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { StatusEvent } from '../incidents/index.js';
import type { Store } from '../store/index.js';

/** Client keys, limits and budgets of one running Detour; outlives config reloads like health does. */
export interface AccessRuntime {
  control: AccessControl;
  keys: KeyDirectory;
  budgets: BudgetGuard;
  store: Store;
}

/** Options of {@link buildAccess}. */
export interface BuildAccessInput {
  config: DetourConfig;
  store: Store;
  clock: Clock;
  /** Budget alerts go out through the webhook outbox like every other alert. */
  announce: (event: StatusEvent) => void;
  onError: (error: unknown) => void;
}

/** Wires the key directory, the rate limiter and the budget guard over the store. */
export function buildAccess(input: BuildAccessInput): AccessRuntime {
  const { store, clock } = input;
  const keys = new KeyDirectory({ store, cacheTtlMs: input.config.auth.cacheTtl });
  const budgets = new BudgetGuard({
    store,
    onError: input.onError,
    onThreshold: (event: BudgetThresholdEvent) => {
      void store.getClientKey(event.keyId).then((key) => {
        const announced: StatusEvent = {
          type: 'budget.threshold',
          at: clock.now(),
          key: { id: event.keyId, name: key?.name ?? event.keyId, prefix: key?.prefix ?? '' },
          threshold: event.threshold,
          spentUsd: event.snapshot.spentUsd,
          limitUsd: event.snapshot.limitUsd,
          period: event.snapshot.period,
          periodStart: event.snapshot.periodStart,
        };
        if (event.snapshot.periodEnd !== undefined) announced.periodEnd = event.snapshot.periodEnd;
        input.announce(announced);
      }, input.onError);
    },
  });
  const control = new AccessControl({
    mode: input.config.auth.mode,
    keys,
    limiter: new MemoryRateLimiter(),
    budgets,
  });
  return { control, keys, budgets, store };
}

/** Whether an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
