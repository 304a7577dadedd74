import type { Alert, ComponentStatus, Incident } from '../store/index.js';

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
  | { type: 'alert.resolved'; at: number; alertId: string; deployment: string; kind: Alert['kind'] };
