import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sim/index.js';
import {
  BernoulliSprt,
  expectedRunLength,
  expectedSampleNumber,
  operatingCharacteristic,
  sprtBounds,
  sprtIncrements,
} from './sprt.js';

const settings = { p0: 0.8, p1: 0.75, alpha: 0.01, beta: 0.05 };

describe('sprtBounds', () => {
  it("is Wald's A = ln((1−β)/α) and B = ln(β/(1−α))", () => {
    const { upper, lower } = sprtBounds(0.01, 0.05);
    expect(upper).toBeCloseTo(Math.log(95), 12);
    expect(upper).toBeCloseTo(4.5539, 4);
    expect(lower).toBeCloseTo(Math.log(0.05 / 0.99), 12);
    expect(lower).toBeCloseTo(-2.9857, 4);
  });

  it('rejects impossible error rates', () => {
    expect(() => sprtBounds(0, 0.05)).toThrow(RangeError);
    expect(() => sprtBounds(0.6, 0.5)).toThrow(RangeError);
  });
});

describe('sprtIncrements', () => {
  it('adds ln(p1/p0) on a pass and ln((1−p1)/(1−p0)) on a fail', () => {
    const { pass, fail } = sprtIncrements(0.8, 0.75);
    expect(pass).toBeCloseTo(Math.log(0.75 / 0.8), 12);
    expect(fail).toBeCloseTo(Math.log(0.25 / 0.2), 12);
    expect(() => sprtIncrements(0.8, 0.85)).toThrow(RangeError);
  });
});

describe('operatingCharacteristic', () => {
  it('accepts the baseline with probability 1 − α at p0 and β at p1', () => {
    expect(operatingCharacteristic(settings, 0.8)).toBeCloseTo(0.99, 6);
    expect(operatingCharacteristic(settings, 0.75)).toBeCloseTo(0.05, 6);
    expect(operatingCharacteristic(settings, 0.6)).toBeLessThan(1e-4);
    expect(operatingCharacteristic(settings, 0.9)).toBeGreaterThan(0.999);
  });
});

describe('expectedSampleNumber', () => {
  it("is Wald's approximation (L·B + (1 − L)·A) / E[z]", () => {
    const { upper } = sprtBounds(0.01, 0.05);
    const drift = 0.6 * Math.log(0.75 / 0.8) + 0.4 * Math.log(0.25 / 0.2);
    // At 0.6 the test almost never accepts, so the ASN is about A / E[z] ≈ 90.
    expect(expectedSampleNumber(settings, 0.6)).toBeCloseTo(upper / drift, 0);
    expect(expectedSampleNumber(settings, 0.6)).toBeGreaterThan(85);
    expect(expectedSampleNumber(settings, 0.6)).toBeLessThan(95);
    // Wald's closed forms at p0 and p1.
    expect(expectedSampleNumber(settings, 0.8)).toBeCloseTo(415.6, 0);
    expect(expectedSampleNumber(settings, 0.75)).toBeCloseTo(565.8, 0);
  });

  it('agrees with simulation of one cycle within 15 % at the drop of scenario 15', () => {
    const random = seededRandom(7);
    let total = 0;
    const cycles = 2000;
    for (let cycle = 0; cycle < cycles; cycle += 1) {
      const sprt = new BernoulliSprt(settings);
      let decision = sprt.observe(random() < 0.6);
      while (decision === 'continue') decision = sprt.observe(random() < 0.6);
      total += sprt.lastCycle?.samples ?? 0;
    }
    const asn = expectedSampleNumber(settings, 0.6);
    // Wald ignores the overshoot past A, so the simulated mean is a little above the approximation.
    expect(total / cycles).toBeGreaterThan(asn * 0.95);
    expect(total / cycles).toBeLessThan(asn * 1.15);
  });
});

describe('expectedRunLength', () => {
  it('is about ASN(p0)/α under the baseline and about the ASN under a real drop', () => {
    expect(expectedRunLength(settings, 0.8)).toBeCloseTo(expectedSampleNumber(settings, 0.8) / 0.01, -1);
    expect(expectedRunLength(settings, 0.6) / expectedSampleNumber(settings, 0.6)).toBeLessThan(1.001);
  });
});

describe('BernoulliSprt', () => {
  it('alarms when the sum reaches A and restarts at 0', () => {
    const sprt = new BernoulliSprt({ p0: 0.98, p1: 0.93, alpha: 0.01, beta: 0.05 });
    // Each fail adds ln(0.07/0.02) ≈ 1.2528: three fails reach 3.76 < 4.55, the fourth 5.01 ≥ A.
    expect(sprt.observe(false)).toBe('continue');
    expect(sprt.observe(false)).toBe('continue');
    expect(sprt.observe(false)).toBe('continue');
    expect(sprt.llr).toBeCloseTo(3 * Math.log(0.07 / 0.02), 12);
    expect(sprt.observe(false)).toBe('alarm');
    expect(sprt.lastCycle?.llr).toBeCloseTo(4 * Math.log(0.07 / 0.02), 12);
    expect(sprt.lastCycle).toMatchObject({ samples: 4, decision: 'alarm' });
    expect(sprt.llr).toBe(0);
    expect(sprt.samples).toBe(0);
    expect(sprt.totalSamples).toBe(4);
    expect(sprt.alarmCount).toBe(1);
  });

  it('accepts the baseline when the sum reaches B', () => {
    const sprt = new BernoulliSprt({ p0: 0.98, p1: 0.93, alpha: 0.01, beta: 0.05 });
    const perPass = Math.log(0.93 / 0.98);
    const needed = Math.ceil(sprt.bounds.lower / perPass);
    for (let index = 1; index < needed; index += 1) expect(sprt.observe(true)).toBe('continue');
    expect(sprt.observe(true)).toBe('accept');
    expect(sprt.acceptCount).toBe(1);
    expect(sprt.llr).toBe(0);
  });

  it('uses the new increments after setBaseline without losing the running sum', () => {
    const sprt = new BernoulliSprt(settings);
    sprt.observe(false);
    const before = sprt.llr;
    sprt.setBaseline(0.9, 0.85);
    sprt.observe(false);
    expect(sprt.llr).toBeCloseTo(before + Math.log(0.15 / 0.1), 12);
    expect(sprt.current.p0).toBe(0.9);
  });
});
