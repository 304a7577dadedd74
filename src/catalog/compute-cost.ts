import type { Usage } from '../core/index.js';
import type { TokenPrice } from './catalog-types.js';

/**
 * What a request cost in USD: usage × price per million tokens (DESIGN.md section 8).
 *
 * Canonical `inputTokens` counts the whole prompt, cache reads and writes included (every codec
 * adds Anthropic's and Bedrock's separate counts back in), so the uncached part is what remains
 * after both are taken out. Cache reads are charged at `cachedInput` and writes at `cacheWrite`,
 * each falling back to the input price when the host lists none. Reasoning tokens are part of
 * `outputTokens` and cost the output price, as every vendor bills them.
 *
 * Rounded to 1e-12 USD so that sums of decimal prices come out exact (0.3 × 1000 is not 300 in
 * binary floating point).
 */
export function computeCost(usage: Usage, price: TokenPrice): number {
  const cacheRead = Math.max(0, usage.cacheReadTokens ?? 0);
  const cacheWrite = Math.max(0, usage.cacheWriteTokens ?? 0);
  const uncached = Math.max(0, usage.inputTokens - cacheRead - cacheWrite);
  const perMillion =
    uncached * price.input +
    cacheRead * (price.cachedInput ?? price.input) +
    cacheWrite * (price.cacheWrite ?? price.input) +
    Math.max(0, usage.outputTokens) * price.output;
  return Number((perMillion / 1_000_000).toFixed(12));
}

/** A cost as the `x-detour-cost-usd` header writes it: plain decimal, no exponent. */
export function formatCostUsd(usd: number): string {
  // toFixed(12) then trailing zeros off: 0.0000225 stays readable where String() would write 2.25e-5.
  const fixed = usd.toFixed(12).replace(/0+$/, '');
  return fixed.endsWith('.') ? fixed.slice(0, -1) : fixed;
}
