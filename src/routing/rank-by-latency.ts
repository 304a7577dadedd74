import type { WindowStats } from '../health/index.js';

/** What {@link rankByLatency} reads of a deployment's recent outcomes. */
export type LatencyReading = Pick<WindowStats, 'total' | 'latencyP50' | 'ttftP50' | 'ttftCount'>;

/** How far back `least-latency` looks at a deployment's outcomes, in milliseconds. */
export const LATENCY_WINDOW_MS = 60_000;

/**
 * Share of requests whose first choice is a random one of the slower deployments, so their numbers
 * stay fresh and a host that got faster is noticed (an epsilon-greedy bandit's exploration).
 */
export const LATENCY_EXPLORATION = 0.05;

/**
 * Ranks deployments for the `least-latency` strategy. Deployments with no outcome in the window
 * come first, in the given order, so they are tried and measured. The others follow by median time
 * to first token when every one of them has streamed lately (the wait a streaming client feels),
 * else by median attempt latency; ties keep the given order. With probability `exploration` a
 * random one of the ranks below the first is moved to the front. Failures are in the numbers too:
 * a host that fails fast looks fast here, and it is health (demotion, ejection) that moves it back.
 */
export function rankByLatency(
  ids: readonly string[],
  readingOf: (id: string) => LatencyReading,
  random: () => number,
  exploration: number = LATENCY_EXPLORATION,
): string[] {
  const readings = ids.map((id) => ({ id, reading: readingOf(id) }));
  const unmeasured = readings.filter(({ reading }) => reading.total === 0).map(({ id }) => id);
  const measured = readings.filter(({ reading }) => reading.total > 0);
  const byTtft = measured.every(({ reading }) => reading.ttftCount > 0);
  const keyOf = (reading: LatencyReading): number =>
    (byTtft ? reading.ttftP50 : reading.latencyP50) ?? Number.POSITIVE_INFINITY;
  measured.sort((left, right) => {
    const [a, b] = [keyOf(left.reading), keyOf(right.reading)];
    return a === b ? 0 : a - b;
  });
  const ranked = [...unmeasured, ...measured.map(({ id }) => id)];
  if (ranked.length > 1 && random() < exploration) {
    const index = 1 + Math.floor(random() * (ranked.length - 1));
    const [explored] = ranked.splice(index, 1);
    if (explored !== undefined) ranked.unshift(explored);
  }
  return ranked;
}
