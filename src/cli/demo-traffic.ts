/** What the users of one path saw. */
export interface PathTally {
  requests: number;
  failures: number;
  /** Failures by HTTP status (`network` when no answer came). */
  byStatus: Record<string, number>;
}

/** One user request: where it goes and with what. */
export interface DemoRequest {
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * Counts answers of one path as a user sees them: a 2xx with a JSON body is a success, anything
 * else (an error status, a broken connection, a body that is not JSON) is a failure.
 */
export class PathCounter {
  readonly tally: PathTally = { requests: 0, failures: 0, byStatus: {} };
  private readonly inFlight = new Set<Promise<void>>();

  /** Sends one request; the count moves when it settles. */
  send(request: DemoRequest): void {
    const done = this.attempt(request).then((failure) => {
      this.tally.requests += 1;
      if (failure === undefined) return;
      this.tally.failures += 1;
      this.tally.byStatus[failure] = (this.tally.byStatus[failure] ?? 0) + 1;
    });
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** Waits for every request sent so far. */
  async settle(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  /** Undefined on success, else what failed (a status or `network`). */
  private async attempt(request: DemoRequest): Promise<string | undefined> {
    try {
      const response = await fetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...request.headers },
        body: JSON.stringify(request.body),
        signal: AbortSignal.timeout(30_000),
      });
      const parsed = await response.json().then(
        () => true,
        () => false,
      );
      if (!response.ok) return String(response.status);
      return parsed ? undefined : 'bad body';
    } catch {
      return 'network';
    }
  }
}
