import {
  AccessControl,
  BudgetGuard,
  type BudgetGuardOptions,
  type Budgets,
  type BudgetThresholdEvent,
  KeyDirectory,
  MemoryRateLimiter,
  RedisBudgetGuard,
  RedisJointAccess,
  RedisRateLimiter,
  RedisState,
} from '../access/index.js';
import type { DetourConfig } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { StatusEvent } from '../incidents/index.js';
import type { Store } from '../store/index.js';

/** Client keys, limits and budgets of one running Detour; outlives config reloads like health does. */
export interface AccessRuntime {
  control: AccessControl;
  keys: KeyDirectory;
  budgets: Budgets;
  store: Store;
  /** The shared state (Redis) connection; absent when limits and budgets are this process's own. */
  shared?: RedisState;
  /** Writes what waits for the ledger and closes the shared state connection. */
  close(): Promise<void>;
}

/** Options of {@link buildAccess}. */
export interface BuildAccessInput {
  config: DetourConfig;
  store: Store;
  clock: Clock;
  /** Budget alerts go out through the webhook outbox like every other alert. */
  announce: (event: StatusEvent) => void;
  onError: (error: unknown) => void;
  /** Shared state (Redis) became reachable or unreachable; limits and budgets are local meanwhile. */
  onSharedState?: (up: boolean) => void;
  /** A shared state script failed while Redis was reachable (the request was decided locally). */
  onSharedStateError?: (error: unknown) => void;
}

/** Wires the key directory, the rate limiter and the budget guard over the store. */
export function buildAccess(input: BuildAccessInput): AccessRuntime {
  const { store, clock } = input;
  const keys = new KeyDirectory({ store, cacheTtlMs: input.config.auth.cacheTtl });
  const budgetOptions: BudgetGuardOptions = {
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
  };
  const stateConfig = input.config.state;
  if (stateConfig === undefined) {
    const budgets = new BudgetGuard(budgetOptions);
    const limiter = new MemoryRateLimiter();
    const control = new AccessControl({ mode: input.config.auth.mode, keys, limiter, budgets });
    return { control, keys, budgets, store, close: () => budgets.close() };
  }
  const shared = new RedisState({
    url: stateConfig.redis,
    keyPrefix: stateConfig.keyPrefix,
    clock,
    ...(input.onSharedState === undefined ? {} : { onChange: input.onSharedState }),
  });
  const onError = input.onSharedStateError ?? (() => undefined);
  const budgets = new RedisBudgetGuard({ ...budgetOptions, state: shared });
  const limiter = new RedisRateLimiter({ state: shared, onError });
  const joint = new RedisJointAccess({ state: shared, budgets, onError });
  const control = new AccessControl({ mode: input.config.auth.mode, keys, limiter, budgets, joint });
  return {
    control,
    keys,
    budgets,
    store,
    shared,
    async close() {
      // The ledger first: its writes go to the store, not to Redis.
      await budgets.close();
      await shared.close();
    },
  };
}

/** Whether an address only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}
