import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { percentile } from './percentile.js';

/** One HTTP target: where to POST and what. */
export interface Target {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Requests/s and latency percentiles of one fixed-duration run. */
export interface ThroughputResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Non-streaming load with autocannon: `connections` connections, pipelining 1, for `seconds`. */
export async function throughput(
  target: Target,
  connections: number,
  seconds: number,
): Promise<ThroughputResult> {
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    duration: seconds,
  });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
  };
}

/**
 * Latency of one connection, request after request, timed with `performance.now()`: autocannon
 * reports whole milliseconds, too coarse for sub-millisecond overheads.
 */
export async function sequentialLatency(
  target: Target,
  count: number,
): Promise<{ p50: number; p99: number; errors: number }> {
  const dispatcher = new Agent({ connections: 1, keepAliveTimeout: 30_000 });
  const samples: number[] = [];
  let errors = 0;
  for (let index = 0; index < count; index += 1) {
    const started = performance.now();
    try {
      const response = await request(target.url, {
        method: 'POST',
        headers: target.headers,
        body: target.body,
        dispatcher,
      });
      await response.body.arrayBuffer();
      if (response.statusCode !== 200) errors += 1;
    } catch {
      errors += 1;
    }
    samples.push(performance.now() - started);
  }
  await dispatcher.close();
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), errors };
}

/** Time to first byte and total time of streamed requests. */
export interface StreamResult {
  ttfbP50: number;
  ttfbP99: number;
  totalP50: number;
  totalP99: number;
  errors: number;
}

/** Sends `count` streamed requests over `connections` parallel lanes and times each. */
export async function streaming(target: Target, connections: number, count: number): Promise<StreamResult> {
  const dispatcher = new Agent({ connections, keepAliveTimeout: 30_000 });
  const ttfb: number[] = [];
  const total: number[] = [];
  let errors = 0;
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const started = performance.now();
      try {
        const response = await request(target.url, {
          method: 'POST',
          headers: target.headers,
          body: target.body,
          dispatcher,
        });
        let first = true;
        let text = '';
        for await (const chunk of response.body) {
          if (first) {
            ttfb.push(performance.now() - started);
            first = false;
          }
          text += chunk.toString();
        }
        total.push(performance.now() - started);
        if (response.statusCode !== 200 || !(text.includes('[DONE]') || text.includes('message_stop')))
          errors += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  await dispatcher.close();
  return {
    ttfbP50: percentile(ttfb, 0.5),
    ttfbP99: percentile(ttfb, 0.99),
    totalP50: percentile(total, 0.5),
    totalP99: percentile(total, 0.99),
    errors,
  };
}

/** Streams held open by {@link holdStreams}. */
export interface HeldStreams {
  /** Streams answered with 200 whose first bytes arrived. */
  opened: number;
  /** Requests answered with an error status, or that failed, instead of a stream. */
  failed: number;
  /** Streams opened and not ended yet (one that ended before the rest opened was not held with them). */
  live: () => number;
  /** Drops every stream from the client side. */
  close: () => Promise<void>;
}

/**
 * Opens `count` slow streams at once and keeps them open; resolves once every one has received its
 * first bytes (or failed), with a function that closes them all.
 */
export async function holdStreams(target: Target, count: number): Promise<HeldStreams> {
  const dispatcher = new Agent({ connections: count, keepAliveTimeout: 30_000 });
  // One controller per stream: a single signal shared by every request gets one `abort` listener
  // from each (undici adds one per request), and Node warns of a listener leak past 10.
  const controllers: AbortController[] = [];
  let opened = 0;
  let failed = 0;
  let live = 0;
  await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const controller = new AbortController();
      controllers.push(controller);
      try {
        const response = await request(target.url, {
          method: 'POST',
          headers: target.headers,
          body: target.body,
          dispatcher,
          signal: controller.signal,
        });
        if (response.statusCode !== 200) {
          failed += 1;
          await response.body.dump();
          return;
        }
        const iterator = response.body[Symbol.asyncIterator]();
        await iterator.next();
        opened += 1;
        live += 1;
        // Keep reading in the background so flow control never stalls the sender.
        void (async () => {
          try {
            while (!(await iterator.next()).done) {
              // drain
            }
          } catch {
            // aborted at close
          } finally {
            live -= 1;
          }
        })();
      } catch {
        failed += 1;
      }
    }),
  );
  return {
    opened,
    failed,
    live: () => live,
    close: async () => {
      for (const controller of controllers) controller.abort();
      await dispatcher.destroy().catch(() => undefined);
    },
  };
}
