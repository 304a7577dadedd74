import type { RunningGateway } from '../../src/server/index.js';

/** What `POST /admin/keys` answers: the key's view and its secret, shown once. */
export interface CreatedKey {
  key: { id: string; name: string; prefix: string; status: string };
  secret: string;
}

/** Calls the admin API with `adminKey`; the body is JSON. */
export async function admin(
  detour: RunningGateway,
  adminKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Creates a client key through the admin API. @throws when the API refuses. */
export async function createKey(
  detour: RunningGateway,
  adminKey: string,
  scopes: Record<string, unknown> & { name: string },
): Promise<CreatedKey> {
  const answer = await admin(detour, adminKey, 'POST', '/admin/keys', scopes);
  if (answer.status !== 201)
    throw new Error(`POST /admin/keys: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as unknown as CreatedKey;
}
