import { describe, expect, it } from 'vitest';
import { StatusHysteresis } from './status-hysteresis.js';

const T = 1_700_000_000_000;
const options = { enterMs: 2_000, leaveMs: 5_000 };

/** A hysteresis that has published `major_outage` at `T`. */
function inOutage(): StatusHysteresis {
  const hysteresis = new StatusHysteresis(options);
  hysteresis.update('major_outage', T - options.enterMs);
  expect(hysteresis.update('major_outage', T)).toBe('major_outage');
  return hysteresis;
}

describe('StatusHysteresis', () => {
  it('holds the published status until a worse one has held for enterMs', () => {
    const hysteresis = new StatusHysteresis(options);
    expect(hysteresis.update('major_outage', T)).toBe('operational');
    expect(hysteresis.update('major_outage', T + 1_999)).toBe('operational');
    expect(hysteresis.current).toBe('operational');
    expect(hysteresis.update('major_outage', T + 2_000)).toBe('major_outage');
    expect(hysteresis.current).toBe('major_outage');
  });

  it('holds a bad status until a better one has held for leaveMs', () => {
    const hysteresis = inOutage();
    expect(hysteresis.update('operational', T + 10)).toBe('major_outage');
    expect(hysteresis.update('operational', T + 10 + 4_999)).toBe('major_outage');
    expect(hysteresis.update('operational', T + 10 + 5_000)).toBe('operational');
  });

  it('starts the enter period again after a flap back', () => {
    const hysteresis = new StatusHysteresis(options);
    hysteresis.update('partial_outage', T);
    hysteresis.update('operational', T + 1_000);
    expect(hysteresis.update('partial_outage', T + 1_500)).toBe('operational');
    expect(hysteresis.update('partial_outage', T + 1_500 + 1_999)).toBe('operational');
    expect(hysteresis.update('partial_outage', T + 1_500 + 2_000)).toBe('partial_outage');
  });

  it('starts the leave period again when the bad status returns', () => {
    const hysteresis = inOutage();
    hysteresis.update('operational', T + 1_000);
    hysteresis.update('major_outage', T + 4_000);
    expect(hysteresis.update('operational', T + 5_000)).toBe('major_outage');
    expect(hysteresis.update('operational', T + 5_000 + 4_999)).toBe('major_outage');
    expect(hysteresis.update('operational', T + 5_000 + 5_000)).toBe('operational');
  });

  it('enters the least bad status held through the enter period', () => {
    const hysteresis = new StatusHysteresis(options);
    hysteresis.update('major_outage', T);
    hysteresis.update('degraded_performance', T + 1_000);
    expect(hysteresis.update('major_outage', T + 2_000)).toBe('degraded_performance');
  });

  it('leaves for the worst status seen through the leave period', () => {
    const hysteresis = inOutage();
    hysteresis.update('operational', T + 1_000);
    hysteresis.update('partial_outage', T + 2_000);
    expect(hysteresis.update('operational', T + 6_000)).toBe('partial_outage');
  });
});
