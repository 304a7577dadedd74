import type { SimFault } from './fault.js';
import type { SimExchange } from './sim-exchange.js';
import type { SimWire, StreamPiece } from './sim-wire.js';

/** How a stream is paced. */
export interface StreamPacing {
  /** Waits out a delay (real time, or an injected clock). */
  wait: (ms: number) => Promise<void>;
  /** Delay before the first content event, in ms. */
  timeToFirstTokenMs: number;
  /** Delay before every later content event, in ms. */
  tokenIntervalMs: number;
}

/** Half of a piece of a stream or body: text or bytes. */
export function firstHalf(data: string | Uint8Array): string | Uint8Array {
  return data.slice(0, Math.floor(data.length / 2));
}

/**
 * A fault that cuts into a stream, and after how many content events (infinity: where the content
 * ends); undefined for faults that do not cut.
 */
function plannedCut(fault: SimFault): { fault: SimFault; after: number } | undefined {
  switch (fault.type) {
    case 'stream_error':
    case 'stall':
    case 'malformed_sse':
      return { fault, after: fault.afterChunks ?? 0 };
    case 'reset_mid_body':
      return { fault, after: fault.afterChunks ?? 2 };
    case 'truncate_stream':
      return { fault, after: fault.afterChunks ?? Number.POSITIVE_INFINITY };
    case 'malformed_json':
      return { fault, after: 0 };
    default:
      return undefined;
  }
}

/** Applies a cutting fault before `next` (undefined at the very end); true when the stream stops here. */
function cut(exchange: SimExchange, wire: SimWire, fault: SimFault, next: StreamPiece | undefined): boolean {
  switch (fault.type) {
    case 'stream_error':
      exchange.end(wire.streamError(fault.errorType, fault.message));
      return true;
    case 'stall':
      return true;
    case 'reset_mid_body':
      exchange.reset();
      return true;
    case 'truncate_stream':
      // A binary stream cut off mid-frame, as a dropped proxy leaves it.
      if (wire.truncation === 'mid-event' && next !== undefined) exchange.write(firstHalf(next.data));
      exchange.end();
      return true;
    case 'malformed_sse':
    case 'malformed_json':
      exchange.write(wire.malformedEvent(fault.type));
      return false;
    default:
      return false;
  }
}

/**
 * Sends the events of a streamed answer, paced, with the fault's cut. A cut after N content events
 * lands before the next content event, or before the first tail event when the answer has no more
 * content, so a stream cut by a fault never carries its finish event or terminator.
 */
export async function sendStream(
  exchange: SimExchange,
  wire: SimWire,
  pieces: StreamPiece[],
  headers: Record<string, string>,
  fault: SimFault | undefined,
  pacing: StreamPacing,
): Promise<void> {
  exchange.writeHead(200, { ...wire.streamHeaders, ...headers });
  exchange.flushHeaders();
  const firstTokenDelay = fault?.type === 'time_to_first_token' ? fault.ms : pacing.timeToFirstTokenMs;
  const tokenInterval = fault?.type === 'slow_tokens' ? fault.ms : pacing.tokenIntervalMs;
  // The cut still to come, until it is made.
  let pending = fault === undefined ? undefined : plannedCut(fault);
  let sent = 0;
  for (const piece of pieces) {
    if (exchange.destroyed) return;
    if (
      pending !== undefined &&
      (piece.kind === 'tail' || (piece.kind === 'content' && sent === pending.after))
    ) {
      const cutting = pending.fault;
      pending = undefined;
      if (cut(exchange, wire, cutting, piece)) return;
    }
    if (piece.kind === 'content') {
      await pacing.wait(sent === 0 ? firstTokenDelay : tokenInterval);
      if (exchange.destroyed) return;
      sent += 1;
    }
    exchange.write(piece.data);
  }
  if (pending !== undefined && cut(exchange, wire, pending.fault, undefined)) return;
  exchange.end();
}
