import { EXIT, type ExitCode, exitCodeOfStatus } from './exit-codes.js';

/** Where the admin API is and its key: `--url`, `--admin-key`, else DETOUR_URL, DETOUR_ADMIN_KEY. */
export type AdminValues = Record<string, string | boolean | string[] | undefined>;

/** A method and JSON body for {@link callAdmin}. */
export interface AdminCall {
  method: 'GET' | 'POST' | 'PATCH';
  body?: unknown;
}

/** What an admin call gave: the body, or the exit code the verb should end with (already reported). */
export type AdminResult<T> = { ok: true; body: T } | { ok: false; exitCode: ExitCode };

/** The base URL of the admin API: `--url`, else DETOUR_URL, else the default listener. */
export function adminUrlOf(values: AdminValues): string {
  return (
    (typeof values.url === 'string' ? values.url : undefined) ??
    process.env.DETOUR_URL ??
    'http://127.0.0.1:4000'
  ).replace(/\/+$/, '');
}

/** GETs an admin route; on failure prints the error and gives the exit code. */
export function getAdmin<T>(command: string, values: AdminValues, path: string): Promise<AdminResult<T>> {
  return callAdmin<T>(command, values, path, { method: 'GET' });
}

/** Calls an admin route; on failure prints the error and gives the exit code (see exit-codes.ts). */
export async function callAdmin<T>(
  command: string,
  values: AdminValues,
  path: string,
  call: AdminCall,
): Promise<AdminResult<T>> {
  const url = adminUrlOf(values);
  const adminKey =
    (typeof values['admin-key'] === 'string' ? values['admin-key'] : undefined) ??
    process.env.DETOUR_ADMIN_KEY;
  if (adminKey === undefined) {
    process.stderr.write(
      `detour ${command}: pass --admin-key KEY or set DETOUR_ADMIN_KEY (server.adminKey of the server)\n`,
    );
    return { ok: false, exitCode: EXIT.usage };
  }
  let response: Response;
  try {
    response = await fetch(`${url}${path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${adminKey}`,
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
  } catch (error) {
    // undici puts the reason (ECONNREFUSED, ENOTFOUND) on `cause`; "fetch failed" alone says nothing.
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    process.stderr.write(
      `detour ${command}: cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}${cause}\n`,
    );
    return { ok: false, exitCode: EXIT.unreachable };
  }
  const body = (await response.json().catch(() => undefined)) as
    | (T & { error?: { message?: string } })
    | undefined;
  if (!response.ok || body === undefined) {
    process.stderr.write(
      `detour ${command}: ${url} answered HTTP ${response.status}: ${body?.error?.message ?? ''}\n`,
    );
    return { ok: false, exitCode: response.ok ? EXIT.failed : exitCodeOfStatus(response.status) };
  }
  return { ok: true, body };
}

/** Left-aligned columns, two spaces apart. */
export function formatTable(header: readonly string[], lines: readonly string[][]): string {
  const table = [header, ...lines];
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  return `${table
    .map((line) =>
      line
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** Prints `body` as indented JSON. */
export function printJson(body: unknown): void {
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
}
