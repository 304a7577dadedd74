import { DetourError, type FailureClass } from '../core/index.js';

/** Classes that say "our side" (config) or "wait", not "the host is broken". */
const SOFT_CLASSES: ReadonlySet<FailureClass> = new Set(['not_found', 'auth', 'rate_limited', 'quota']);

/**
 * What the client sees when every candidate failed (DESIGN.md section 6, last column): a 429 with
 * the earliest advertised reset when every failure was a rate limit or quota; a 404 only when every
 * host said the model is unknown; otherwise the last real host failure.
 */
export function chooseFinalError(errors: readonly DetourError[]): DetourError {
  const last = errors.at(-1);
  if (last === undefined) {
    return new DetourError(
      'no_deployment_available',
      'server_error',
      'no deployment is available for this model',
      {
        status: 503,
      },
    );
  }
  if (errors.every((error) => error.failureClass === 'rate_limited' || error.failureClass === 'quota')) {
    const waits = errors
      .map((error) => error.retryAfterMs)
      .filter((wait): wait is number => wait !== undefined);
    const limited = errors.find((error) => error.failureClass === 'rate_limited') ?? last;
    return new DetourError(limited.code, limited.failureClass, limited.message, {
      status: 429,
      retryAfterMs: waits.length > 0 ? Math.min(...waits) : undefined,
      upstream: limited.upstream,
    });
  }
  if (errors.every((error) => error.failureClass === 'not_found')) return last;
  return [...errors].reverse().find((error) => !SOFT_CLASSES.has(error.failureClass)) ?? last;
}
