import type { Alert, BudgetPeriod, ComponentStatus, Incident } from '../store/index.js';

/** Everything the status machinery announces (webhooks, logs). */
export type StatusEvent =
  | {
      type: 'component.status_changed';
      at: number;
      component: string;
      from: ComponentStatus;
      to: ComponentStatus;
    }
  | { type: 'incident.created' | 'incident.updated' | 'incident.resolved'; at: number; incident: Incident }
  | { type: 'alert.raised'; at: number; alert: Alert }
  | { type: 'alert.resolved'; at: number; alertId: string; deployment: string; kind: Alert['kind'] }
  | {
      /** A client key's spend passed 50, 80 or 100 % of its budget for the first time in a period. */
      type: 'budget.threshold';
      at: number;
      /** The key by id, name and visible prefix; never the secret. */
      key: { id: string; name: string; prefix: string };
      /** 0.5, 0.8 or 1. */
      threshold: number;
      spentUsd: number;
      limitUsd: number;
      period: BudgetPeriod;
      periodStart: number;
      periodEnd?: number;
    };
