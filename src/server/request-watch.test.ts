import { EventEmitter, once } from 'node:events';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DetourError } from '../core/index.js';
import { RequestWatch, type WatchedResponse } from './request-watch.js';

/** A response as the watch sees it, carrying `graph`: what a real one reaches (request, reply, bodies). */
class Response extends EventEmitter implements WatchedResponse {
  writableFinished = false;
  readonly graph: Array<{ index: number }> = [];
}

/** V8's `gc()`, reachable without starting the test process with `--expose-gc`. */
function collector(): (options?: { type: 'minor' | 'major' }) => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
}

function oldSpaceUsed(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'old_space')?.space_used_size ?? 0;
}

/** Serves `count` requests that end normally: a watch each, over a response with a 200-object graph. */
function serveRequests(count: number): void {
  for (let request = 0; request < count; request += 1) {
    const response = new Response();
    for (let index = 0; index < 500; index += 1) response.graph.push({ index });
    const watch = new RequestWatch(response, 60_000);
    response.writableFinished = true;
    watch.dispose();
    response.emit('close');
  }
}

describe('RequestWatch', () => {
  it('aborts with a 499 and says the client left when the response closes before it finished', async () => {
    const response = new Response();
    const watch = new RequestWatch(response, 60_000);
    response.emit('close');
    expect(watch.signal.aborted).toBe(true);
    expect(watch.clientGone).toBe(true);
    expect(watch.signal.reason).toBeInstanceOf(DetourError);
    expect((watch.signal.reason as DetourError).status).toBe(499);
    watch.dispose();
  });

  it('neither aborts nor blames the client when the response closes after it finished', () => {
    const response = new Response();
    const watch = new RequestWatch(response, 60_000);
    response.writableFinished = true;
    response.emit('close');
    expect(watch.signal.aborted).toBe(false);
    expect(watch.clientGone).toBe(false);
    watch.dispose();
  });

  it('aborts with a total timeout when the deadline passes', async () => {
    const response = new Response();
    const watch = new RequestWatch(response, 1);
    await once(watch.signal, 'abort');
    expect(watch.clientGone).toBe(false);
    const reason = watch.signal.reason as DetourError;
    expect(reason.code).toBe('upstream_timeout');
    expect(reason.timeout).toBe('total');
    watch.dispose();
  });

  it('stops listening to the response once disposed', () => {
    const response = new Response();
    const watch = new RequestWatch(response, 60_000);
    expect(response.listenerCount('close')).toBe(1);
    watch.dispose();
    expect(response.listenerCount('close')).toBe(0);
    response.emit('close');
    expect(watch.signal.aborted).toBe(false);
    expect(watch.clientGone).toBe(false);
  });

  it('leaves nothing of a finished request for a minor GC to keep', () => {
    // A watch that kept its request's graph reachable past the request (an object-literal getter:
    // V8 puts its accessor pair in old space) made minor GCs promote every request's garbage, which
    // filled the old generation: here 500 requests' graphs, ~11 MB, land in old space that way.
    // What is left (~0.3 MB) is the AbortSignals: Node 20 gives each its own hidden class, and minor
    // GCs keep those.
    const gc = collector();
    // Warm up first: compiled code, and V8's early heap growth, promote things of their own.
    for (let round = 0; round < 5; round += 1) serveRequests(500);
    gc();
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    const before = oldSpaceUsed();
    serveRequests(500);
    gc({ type: 'minor' });
    gc({ type: 'minor' });
    const promoted = oldSpaceUsed() - before;
    expect(promoted).toBeLessThan(2_000_000);
  });
});
