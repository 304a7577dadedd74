/** Where the admin API is and its key: `--url`, `--admin-key`, else DETOUR_URL, DETOUR_ADMIN_KEY. */
export type AdminValues = Record<string, string | boolean | string[] | undefined>;

/** A method and JSON body for {@link callAdmin}. */
export interface AdminCall {
  method: 'GET' | 'POST' | 'PATCH';
  body?: unknown;
}

/** GETs an admin route; prints the error and returns undefined when it fails. */
export function getAdmin<T>(command: string, values: AdminValues, path: string): Promise<T | undefined> {
  return callAdmin<T>(command, values, path, { method: 'GET' });
}

/** Calls an admin route; prints the error and returns undefined when it fails. */
export async function callAdmin<T>(
  command: string,
  values: AdminValues,
  path: string,
  call: AdminCall,
): Promise<T | undefined> {
  const url = (
    (typeof values.url === 'string' ? values.url : undefined) ??
    process.env.DETOUR_URL ??
    'http://127.0.0.1:4000'
  ).replace(/\/+$/, '');
  const adminKey =
    (typeof values['admin-key'] === 'string' ? values['admin-key'] : undefined) ??
    process.env.DETOUR_ADMIN_KEY;
  if (adminKey === undefined) {
    process.stderr.write(`detour ${command}: pass --admin-key KEY or set DETOUR_ADMIN_KEY\n`);
    return undefined;
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
    process.stderr.write(
      `detour ${command}: cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return undefined;
  }
  const body = (await response.json().catch(() => undefined)) as
    | (T & { error?: { message?: string } })
    | undefined;
  if (!response.ok || body === undefined) {
    process.stderr.write(
      `detour ${command}: ${url} answered HTTP ${response.status}: ${body?.error?.message ?? ''}\n`,
    );
    return undefined;
  }
  return body;
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
