import { RollingCounter } from '../health/index.js';

const WINDOW_SECONDS = 60;
const REQUESTS = 0;
const HEDGES = 1;

/**
 * Keeps a model's hedges under a share of its requests over the last minute (DESIGN.md section 6:
 * never more than 5 %), so that hedging cannot double the load on hosts that are slow for everyone.
 */
export class HedgeShare {
  private readonly counts = new RollingCounter(WINDOW_SECONDS, 2);

  /** Counts one client request of the model. */
  recordRequest(now: number): void {
    this.counts.add(now, REQUESTS);
  }

  /** Takes one hedge if the model is under `maxShare` of its requests; counts it when it does. */
  tryHedge(now: number, maxShare: number): boolean {
    const hedges = this.counts.sum(now, HEDGES);
    if (hedges + 1 > maxShare * this.counts.sum(now, REQUESTS)) return false;
    this.counts.add(now, HEDGES);
    return true;
  }
}
