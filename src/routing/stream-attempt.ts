import { toDetourError } from '../core/index.js';
import { type AttemptInput, openStream, type StreamChunk } from '../providers/index.js';
import { UsageMeter } from './meter-usage.js';
import type { AttemptContext, AttemptOutcome, AttemptRecord } from './run-attempts.js';

/** A stream whose first content has arrived; `rest` yields what follows. */
export interface OpenedStream {
  /** Chunks held back until content arrived (start events, the first content). */
  head: StreamChunk[];
  /** The remainder; throws a DetourError when the stream breaks after content. */
  rest: AsyncGenerator<StreamChunk>;
}

/** Told when an attempt's stream has ended, finished or cut, with what it used. */
export type StreamEnded = (usage: UsageMeter, finished: boolean) => void;

/**
 * One stream attempt: opens the deployment's stream and holds its chunks back until the first
 * content, so that any failure before it can still move on invisibly; then hands on the rest, and
 * settles the attempt (health, observers) when the rest ends.
 */
export async function streamAttempt(
  { target, record, settle }: AttemptContext,
  input: AttemptInput,
  ended: StreamEnded,
): Promise<AttemptOutcome<OpenedStream>> {
  const usage = new UsageMeter();
  const stream = openStream(target, input);
  const head: StreamChunk[] = [];
  try {
    for (;;) {
      const next = await stream.next();
      if (next.done) break;
      head.push(next.value);
      if (next.value.content) break;
    }
  } catch (error) {
    await stream.return(undefined);
    throw error;
  }
  const timeToFirstTokenMs = input.clock.now() - record.startedAt;
  for (const chunk of head) usage.observe(chunk);
  const rest = recordWhenDone(stream, input, usage, (outcome, error) => {
    // A stream cut after content was billed by the host for what it sent (DESIGN.md section 8).
    ended(usage, outcome === 'success');
    record.latencyMs = input.clock.now() - record.startedAt;
    if (outcome === 'abandoned') {
      record.abandoned = true;
    } else if (outcome !== 'success') {
      record.outcome = outcome;
      if (error !== undefined) record.error = error;
    }
    settle();
  });
  return { result: { head, rest }, deferSettle: true, timeToFirstTokenMs };
}

/**
 * Passes a stream through and reports how it ended: success when it finished, the failure class
 * when it broke after content (that counts against the host), `abandoned` when the client left.
 */
async function* recordWhenDone(
  stream: AsyncGenerator<StreamChunk>,
  input: AttemptInput,
  usage: UsageMeter,
  report: (outcome: AttemptRecord['outcome'] | 'abandoned', error?: ReturnType<typeof toDetourError>) => void,
): AsyncGenerator<StreamChunk> {
  let finished = false;
  try {
    for await (const chunk of stream) {
      usage.observe(chunk);
      yield chunk;
    }
    finished = true;
    report('success');
  } catch (thrown) {
    finished = true;
    const error = toDetourError(thrown);
    if (!input.signal.aborted || error.timeout === 'total') report(error.failureClass, error);
    else report('abandoned', error);
    throw error;
  } finally {
    if (!finished) {
      report('abandoned');
      await stream.return(undefined);
    }
  }
}
