/** A deployment and its weight in one pick. */
export interface WeightedShare {
  /** Deployment id. */
  id: string;
  /** Its effective weight now (configured weight scaled by health); ≥ 0. */
  weight: number;
}

/**
 * nginx's smooth weighted round-robin over one model's deployments. Each pick adds every
 * candidate's weight to its running score, chooses the highest score (the earlier one on a tie)
 * and takes the pool's total weight off the winner. Over any run of picks each deployment is first
 * in proportion to its weight, spread out rather than in bursts (3:1 gives a a b a, a a b a, …).
 * Scores outlive the pool: a deployment that drops out (ejected, demoted) keeps its score and
 * resumes from it, and a deployment alone in the pool leaves its score unchanged.
 */
export class SmoothWeightedRotation {
  private readonly scores = new Map<string, number>();

  /**
   * Makes one pick from `pool` and returns every id, the pick first and the rest by their score
   * (who would be picked next), so failover follows the same ranking.
   */
  rank(pool: readonly WeightedShare[]): string[] {
    let total = 0;
    for (const { id, weight } of pool) {
      this.scores.set(id, this.score(id) + weight);
      total += weight;
    }
    // Array.prototype.sort is stable: ties keep the pool's (config) order, as nginx does.
    const ranked = pool.map((share) => share.id).sort((left, right) => this.score(right) - this.score(left));
    const first = ranked[0];
    if (first !== undefined) this.scores.set(first, this.score(first) - total);
    return ranked;
  }

  private score(id: string): number {
    return this.scores.get(id) ?? 0;
  }
}
