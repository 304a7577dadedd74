import type { DetourError } from '../core/index.js';

/**
 * Share of an attempt's first-token limit a host must have held the connection, with nothing of an
 * answer, before a dropped connection counts as silence rather than a quick reset: a quarter, so
 * 5 s of the default 20 s. A reset within milliseconds (a host restarting, a load balancer turning
 * the connection away) stays an ordinary transport failure and keeps its one same-host retry.
 */
export const SILENT_SHARE = 0.25;

/**
 * Whether an attempt that failed before any content was a silent host (DESIGN.md section 6): it
 * stayed silent past its first-token limit, or held the connection silent for a good part of it
 * and then closed it (a transport or broken-body failure after a long silence). A silent host is
 * never retried on the same route: the same request would most likely wait out the same silence.
 * `elapsedMs` is how long the attempt ran, `firstTokenLimitMs` the limit it ran under.
 */
export function isSilentHost(error: DetourError, elapsedMs: number, firstTokenLimitMs: number): boolean {
  switch (error.failureClass) {
    case 'timeout':
      return error.timeout === 'first_token';
    case 'transport':
    case 'bad_response':
      return elapsedMs >= firstTokenLimitMs * SILENT_SHARE;
    default:
      return false;
  }
}
