import type { BudgetPeriod } from '../store/index.js';

const DAY_MS = 86_400_000;

/** The UTC period of a budget holding `time`: its start, and its end (undefined for `total`). */
export function budgetPeriodAt(period: BudgetPeriod, time: number): { start: number; end?: number } {
  const date = new Date(time);
  const dayStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  switch (period) {
    case 'day':
      return { start: dayStart, end: dayStart + DAY_MS };
    case 'week': {
      // ISO weeks start on Monday; getUTCDay() is 0 on Sunday.
      const sinceMonday = (date.getUTCDay() + 6) % 7;
      const start = dayStart - sinceMonday * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case 'month':
      return {
        start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
        end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
      };
    case 'total':
      return { start: 0 };
  }
}
