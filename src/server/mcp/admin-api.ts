import type { FastifyInstance } from 'fastify';

/** A method the MCP tools use on the admin API. */
export type AdminMethod = 'GET' | 'POST' | 'PATCH';

/** What the admin API answered: the HTTP status and the parsed JSON body (undefined when not JSON). */
export interface AdminAnswer {
  status: number;
  body: unknown;
}

/**
 * The one door the MCP tools have to Detour: an admin API route, called with the admin key. The
 * stdio server reaches a running Detour over HTTP ({@link httpAdminApi}); the gateway's own `/mcp`
 * goes through the same routes in process ({@link injectAdminApi}), so both transports share every
 * check, validation and answer the admin API makes.
 */
export interface AdminApi {
  /** Calls `method path` (path with its query string) with an optional JSON body. */
  call(method: AdminMethod, path: string, body?: unknown): Promise<AdminAnswer>;
}

/** Thrown when the admin API cannot be reached at all (a tool reports it as an error result). */
export class AdminApiUnreachable extends Error {}

/** The admin API of a Detour at `url` over HTTP, with `Authorization: Bearer adminKey`. */
export function httpAdminApi(url: string, adminKey: string): AdminApi {
  const base = url.replace(/\/+$/, '');
  return {
    async call(method, path, body) {
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${adminKey}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        throw new AdminApiUnreachable(
          `cannot reach Detour at ${base}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      const text = await response.text();
      return { status: response.status, body: parseJson(text) };
    },
  };
}

/**
 * The admin routes of `app` itself, through Fastify's `inject` (no socket), carrying the caller's
 * own `Authorization` header: `/mcp` has checked it already, and the routes check it again, so an
 * MCP call can never do more than the same key could do on `/admin/*`.
 */
export function injectAdminApi(app: FastifyInstance, authorization: string): AdminApi {
  return {
    async call(method, path, body) {
      const answer = await app.inject({
        method,
        url: path,
        headers: {
          authorization,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: answer.statusCode, body: parseJson(answer.body) };
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
