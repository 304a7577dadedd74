/**
 * Fisher's exact test on a 2×2 table, with log-factorials so tables of a few thousand samples neither
 * overflow nor lose precision (no dependency: the whole test is a hypergeometric sum).
 *
 * The table is
 * ```
 *            pass   fail
 *   group 1    a      b
 *   group 2    c      d
 * ```
 * With the margins fixed, `a` follows a hypergeometric distribution; each p-value sums its tail.
 */
export interface FisherExactResult {
  /** Two-sided: the total probability of the tables no more likely than the observed one (R's rule). */
  twoSided: number;
  /** One-sided, `a` this small or smaller: group 1 passes less often than group 2. */
  less: number;
  /** One-sided, `a` this large or larger: group 1 passes more often than group 2. */
  greater: number;
}

const logFactorialCache: number[] = [0];

/** ln(n!), exact sums kept in a growing table (canary windows are at most a few thousand). */
export function logFactorial(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`logFactorial needs a natural number, got ${n}`);
  for (let k = logFactorialCache.length; k <= n; k += 1) {
    logFactorialCache.push((logFactorialCache[k - 1] ?? 0) + Math.log(k));
  }
  return logFactorialCache[n] ?? 0;
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/** Runs Fisher's exact test on the table [[a, b], [c, d]] of non-negative integer counts. */
export function fisherExact(a: number, b: number, c: number, d: number): FisherExactResult {
  for (const [name, value] of [
    ['a', a],
    ['b', b],
    ['c', c],
    ['d', d],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(`fisherExact: ${name} must be a non-negative integer, got ${value}`);
    }
  }
  const row1 = a + b;
  const row2 = c + d;
  const column1 = a + c;
  const total = row1 + row2;
  const low = Math.max(0, column1 - row2);
  const high = Math.min(row1, column1);
  const logDenominator = logChoose(total, column1);
  const probability = (x: number): number =>
    Math.exp(logChoose(row1, x) + logChoose(row2, column1 - x) - logDenominator);

  const observed = probability(a);
  // R's fisher.test tolerance: tables within a relative 1e-7 of the observed one count as "as likely",
  // so rounding in the log sums does not drop a tied table from the two-sided sum.
  const threshold = observed * (1 + 1e-7);
  let twoSided = 0;
  let less = 0;
  let greater = 0;
  for (let x = low; x <= high; x += 1) {
    const p = probability(x);
    if (p <= threshold) twoSided += p;
    if (x <= a) less += p;
    if (x >= a) greater += p;
  }
  return { twoSided: Math.min(1, twoSided), less: Math.min(1, less), greater: Math.min(1, greater) };
}
