import { describe, expect, it } from 'vitest';
import { seededRandom } from '../sim/index.js';
import {
  BernoulliSprt,
  expectedIncrement,
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

describe('sprtBounds and sprtIncrements limits', () => {
  it('refuses α or β of 0 and α + β of exactly 1, naming them', () => {
    expect(() => sprtBounds(0, 0.05)).toThrow(
      new RangeError('SPRT needs 0 < α, β and α + β < 1, got α=0 β=0.05'),
    );
    expect(() => sprtBounds(0.05, 0)).toThrow(
      new RangeError('SPRT needs 0 < α, β and α + β < 1, got α=0.05 β=0'),
    );
    expect(() => sprtBounds(0.5, 0.5)).toThrow(RangeError);
    expect(() => sprtBounds(-0.1, 0.5)).toThrow(RangeError);
    expect(sprtBounds(0.5, 0.4999)).toStrictEqual({
      upper: Math.log(0.5001 / 0.5),
      lower: Math.log(0.4999 / 0.5),
    });
  });

  it('refuses p1 of 0, p1 equal to p0 and p0 of 1, naming them', () => {
    expect(() => sprtIncrements(0.5, 0)).toThrow(
      new RangeError('SPRT needs 0 < p1 < p0 < 1, got p0=0.5 p1=0'),
    );
    expect(() => sprtIncrements(0.8, 0.8)).toThrow(RangeError);
    expect(() => sprtIncrements(1, 0.95)).toThrow(RangeError);
    expect(sprtIncrements(0.5, 0.25)).toStrictEqual({ pass: Math.log(0.5), fail: Math.log(1.5) });
  });
});

describe('BernoulliSprt at its bounds', () => {
  // p0 = 0.75, p1 = 0.5: a fail adds ln 2; α = β = 0.2: A = ln 4, B = ln(1/4).
  it('alarms when the sum equals A exactly', () => {
    const sprt = new BernoulliSprt({ p0: 0.75, p1: 0.5, alpha: 0.2, beta: 0.2 });
    expect(sprt.bounds).toStrictEqual({ upper: Math.log(4), lower: Math.log(0.25) });
    expect(sprt.observe(false)).toBe('continue');
    expect(sprt.observe(false)).toBe('alarm');
    expect(sprt.lastCycle).toStrictEqual({ llr: 2 * Math.log(2), samples: 2, decision: 'alarm' });
    expect([sprt.alarmCount, sprt.acceptCount, sprt.totalSamples, sprt.samples, sprt.llr]).toEqual([
      1, 0, 2, 0, 0,
    ]);
  });

  // p0 = 0.8, p1 = 0.4: a pass adds ln(1/2); B = ln(1/4).
  it('accepts when the sum equals B exactly, and counts cycles apart', () => {
    const sprt = new BernoulliSprt({ p0: 0.8, p1: 0.4, alpha: 0.2, beta: 0.2 });
    expect(sprt.observe(true)).toBe('continue');
    expect(sprt.llr).toBe(Math.log(0.5));
    expect(sprt.samples).toBe(1);
    expect(sprt.observe(true)).toBe('accept');
    expect(sprt.lastCycle).toStrictEqual({ llr: 2 * Math.log(0.5), samples: 2, decision: 'accept' });
    expect([sprt.alarmCount, sprt.acceptCount, sprt.totalSamples, sprt.samples, sprt.llr]).toEqual([
      0, 1, 2, 0, 0,
    ]);
    expect(sprt.observe(false)).toBe('continue');
    expect(sprt.llr).toBeCloseTo(Math.log(3), 12);
    expect(sprt.lastCycle?.decision).toBe('accept');
  });

  it('reports its settings, and the new baseline after setBaseline', () => {
    const sprt = new BernoulliSprt(settings);
    expect(sprt.current).toStrictEqual(settings);
    sprt.setBaseline(0.9, 0.85);
    expect(sprt.current).toStrictEqual({ p0: 0.9, p1: 0.85, alpha: 0.01, beta: 0.05 });
    expect(sprt.lastCycle).toBeUndefined();
  });
});

describe('expectedIncrement', () => {
  it('is p·ln(p1/p0) + (1 − p)·ln((1 − p1)/(1 − p0))', () => {
    expect(expectedIncrement(settings, 0.6)).toBeCloseTo(
      0.6 * Math.log(0.75 / 0.8) + 0.4 * Math.log(0.25 / 0.2),
      12,
    );
    expect(expectedIncrement(settings, 1)).toBeCloseTo(Math.log(0.75 / 0.8), 12);
  });
});

describe('operatingCharacteristic at its edges', () => {
  it('is 0 at p = 0 and 1 at p = 1', () => {
    expect(operatingCharacteristic(settings, 0)).toBe(0);
    expect(operatingCharacteristic(settings, 1)).toBe(1);
  });

  it('is A/(A − B) where the drift is zero', () => {
    // E[z] = 0 at p* = fail / (fail − pass).
    const pass = Math.log(0.75 / 0.8);
    const fail = Math.log(0.25 / 0.2);
    const pStar = fail / (fail - pass);
    expect(expectedIncrement(settings, pStar)).toBeCloseTo(0, 12);
    const upperBound = Math.log(95);
    const lowerBound = Math.log(0.05 / 0.99);
    expect(operatingCharacteristic(settings, pStar)).toBeCloseTo(upperBound / (upperBound - lowerBound), 9);
    // Wald's zero-drift ASN: −A·B / E[z²].
    const second = pStar * pass * pass + (1 - pStar) * fail * fail;
    expect(expectedSampleNumber(settings, pStar)).toBeCloseTo((-upperBound * lowerBound) / second, 6);
  });

  it("solves Wald's h: L(p) = (e^{hA} − 1)/(e^{hA} − e^{hB}) with p(p1/p0)^h + (1−p)((1−p1)/(1−p0))^h = 1", () => {
    const upperBound = Math.log(95);
    const lowerBound = Math.log(0.05 / 0.99);
    // At p0 the root is h = 1: L = (95 − 1)/(95 − 0.05/0.99).
    expect(operatingCharacteristic(settings, 0.8)).toBeCloseTo((95 - 1) / (95 - 0.05 / 0.99), 9);
    // At p1 it is h = −1.
    const atP1 = (Math.exp(-upperBound) - 1) / (Math.exp(-upperBound) - Math.exp(-lowerBound));
    expect(operatingCharacteristic(settings, 0.75)).toBeCloseTo(atP1, 9);
    // At 0.9 (h > 1, found by doubling): check the h it implies satisfies the equation.
    const value = operatingCharacteristic(settings, 0.9);
    let h = 1;
    let high = 64;
    for (let step = 0; step < 200; step += 1) {
      const middle = (h + high) / 2;
      const g = 0.9 * (0.75 / 0.8) ** middle + 0.1 * (0.25 / 0.2) ** middle - 1;
      if (g < 0) h = middle;
      else high = middle;
    }
    expect(value).toBeCloseTo(
      (Math.exp(h * upperBound) - 1) / (Math.exp(h * upperBound) - Math.exp(h * lowerBound)),
      9,
    );
    expect(h).toBeGreaterThan(1);
  });
});
