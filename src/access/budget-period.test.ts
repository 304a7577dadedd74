import { describe, expect, it } from 'vitest';
import { budgetPeriodAt } from './budget-period.js';

const at = (iso: string) => Date.parse(iso);

describe('budgetPeriodAt', () => {
  it('gives the UTC day holding the time', () => {
    expect(budgetPeriodAt('day', at('2026-03-10T15:30:00.000Z'))).toEqual({
      start: at('2026-03-10T00:00:00.000Z'),
      end: at('2026-03-11T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('day', at('2026-03-10T00:00:00.000Z'))).toEqual({
      start: at('2026-03-10T00:00:00.000Z'),
      end: at('2026-03-11T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('day', at('2026-03-10T23:59:59.999Z'))).toEqual({
      start: at('2026-03-10T00:00:00.000Z'),
      end: at('2026-03-11T00:00:00.000Z'),
    });
  });

  it('gives the week from Monday to Monday', () => {
    const week = { start: at('2026-03-09T00:00:00.000Z'), end: at('2026-03-16T00:00:00.000Z') };
    // 2026-03-09 is a Monday.
    expect(budgetPeriodAt('week', at('2026-03-09T00:00:00.000Z'))).toEqual(week);
    expect(budgetPeriodAt('week', at('2026-03-11T12:00:00.000Z'))).toEqual(week);
    expect(budgetPeriodAt('week', at('2026-03-14T08:00:00.000Z'))).toEqual(week);
    // Sunday is the week's last day, not the next week's first.
    expect(budgetPeriodAt('week', at('2026-03-15T23:59:59.999Z'))).toEqual(week);
    expect(budgetPeriodAt('week', at('2026-03-16T00:00:00.000Z'))).toEqual({
      start: at('2026-03-16T00:00:00.000Z'),
      end: at('2026-03-23T00:00:00.000Z'),
    });
  });

  it('gives a week across a month and a year', () => {
    // Thursday 2026-01-01: the week began on Monday 2025-12-29.
    expect(budgetPeriodAt('week', at('2026-01-01T10:00:00.000Z'))).toEqual({
      start: at('2025-12-29T00:00:00.000Z'),
      end: at('2026-01-05T00:00:00.000Z'),
    });
  });

  it('gives the calendar month, December to January and a leap February', () => {
    expect(budgetPeriodAt('month', at('2026-03-31T23:59:59.999Z'))).toEqual({
      start: at('2026-03-01T00:00:00.000Z'),
      end: at('2026-04-01T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('month', at('2026-12-15T00:00:00.000Z'))).toEqual({
      start: at('2026-12-01T00:00:00.000Z'),
      end: at('2027-01-01T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('month', at('2028-02-29T12:00:00.000Z'))).toEqual({
      start: at('2028-02-01T00:00:00.000Z'),
      end: at('2028-03-01T00:00:00.000Z'),
    });
    expect(budgetPeriodAt('month', at('2026-01-01T00:00:00.000Z'))).toEqual({
      start: at('2026-01-01T00:00:00.000Z'),
      end: at('2026-02-01T00:00:00.000Z'),
    });
  });

  it('gives a total budget a period from the epoch without end', () => {
    const period = budgetPeriodAt('total', at('2026-03-10T15:30:00.000Z'));
    expect(period).toEqual({ start: 0 });
    expect('end' in period).toBe(false);
  });
});
