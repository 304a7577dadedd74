/**
 * Exit codes of every `detour` verb that talks to a running Detour, stable for scripts (README,
 * "CLI"). A verb that runs a server (`start`, `sim`) exits 0 on a signal and 1 when it cannot start.
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The request failed: the server answered an error other than the ones below (5xx, 409, …). */
  failed: 1,
  /** Usage error: unknown verb or option, bad value, missing argument or admin key; nothing was sent. */
  usage: 2,
  /** The deployment, model or incident named does not exist (HTTP 404). */
  notFound: 3,
  /** The admin key was refused (HTTP 401 or 403). */
  unauthorized: 4,
  /** Detour could not be reached (connection refused, DNS, timeout). */
  unreachable: 5,
  /** `detour health --check`: at least one deployment shown is not healthy. */
  unhealthy: 6,
} as const;

/** One of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an HTTP error answer of the admin API. */
export function exitCodeOfStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.unauthorized;
  if (status === 404) return EXIT.notFound;
  // The server refused a value the CLI passed through unchecked (a filter, a date): a usage error.
  if (status === 400) return EXIT.usage;
  return EXIT.failed;
}

/** Whether `error` is `node:util` parseArgs refusing the command line (unknown option, missing value). */
export function isParseArgsError(error: unknown): error is TypeError {
  return (
    error instanceof TypeError &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS')
  );
}

/** A command line the verb refuses before sending anything (exit {@link EXIT.usage}). */
export class UsageError extends Error {}

/** Whether `error` is a refused command line: a {@link UsageError} or a parseArgs error. */
export function isUsageError(error: unknown): error is Error {
  return error instanceof UsageError || isParseArgsError(error);
}
