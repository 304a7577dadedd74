import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { type AdminApi, AdminApiUnreachable, type AdminMethod } from './admin-api.js';

/** One MCP tool over the admin API: its name, what an agent reads about it, its input and its work. */
export interface DetourTool<Shape extends z.ZodRawShape> {
  /** Tool name, snake_case (`list_models`). */
  name: string;
  /** Short human title. */
  title: string;
  /** What it does and when to use it; agents choose tools by this text. */
  description: string;
  /** Input fields; the SDK validates them and names the bad one before {@link run} is called. */
  input: Shape;
  /** `readOnlyHint: true` for reads; `destructiveHint` for actions that change routing or access. */
  annotations: ToolAnnotations;
  /** Does the work through the admin API. */
  run(input: z.output<z.ZodObject<Shape>>, api: AdminApi): Promise<CallToolResult>;
}

/** A tool of the table, its input type erased: all a server needs to offer it. */
export interface TableTool {
  name: string;
  annotations: ToolAnnotations;
  /** Registers the tool on `server`, its calls going to `api`. */
  register(server: McpServer, api: AdminApi): void;
}

/** Turns a typed tool into a table entry (the type of its input stays checked inside). */
export function defineTool<Shape extends z.ZodRawShape>(tool: DetourTool<Shape>): TableTool {
  const schema = z.strictObject(tool.input);
  return {
    name: tool.name,
    annotations: tool.annotations,
    register(server, api) {
      // The SDK's argument type is a conditional one that TypeScript cannot resolve over a generic
      // shape, so the callback takes the validated arguments as `unknown` and reads them back through
      // the same schema (it cannot fail there: the SDK has just checked them against it).
      server.registerTool<z.ZodType<unknown>, z.ZodType<unknown>>(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema: schema,
          annotations: tool.annotations,
        },
        async (input: unknown) => {
          try {
            return await tool.run(schema.parse(input), api);
          } catch (error) {
            // An unreachable Detour is the one failure a tool cannot phrase better than its message.
            if (error instanceof AdminApiUnreachable) return failure(error.message);
            throw error;
          }
        },
      );
    },
  };
}

/** A successful result: the data as indented JSON text. */
export function success(data: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data, null, 2) }] };
}

/** An error result (`isError`), which the agent reads; the protocol call itself succeeds. */
export function failure(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** The body of a 2xx answer, or an error result naming what the admin API said was wrong. */
export type AdminOutcome = { ok: true; body: unknown } | { ok: false; result: CallToolResult };

/** Calls the admin API and turns a non-2xx answer into an error result with its message and field. */
export async function callAdmin(
  api: AdminApi,
  method: AdminMethod,
  path: string,
  body?: unknown,
): Promise<AdminOutcome> {
  const answer = await api.call(method, path, body);
  if (answer.status >= 200 && answer.status < 300) return { ok: true, body: answer.body };
  const error = errorOf(answer.body);
  const field = error.param === undefined ? '' : ` (field: ${error.param})`;
  return {
    ok: false,
    result: failure(
      `${method} ${path.split('?')[0]} answered HTTP ${answer.status}: ${error.message ?? 'no message'}${field}`,
    ),
  };
}

const errorBodySchema = z.object({
  error: z.object({ message: z.string().optional(), param: z.string().nullish() }).optional(),
});

function errorOf(body: unknown): { message?: string; param?: string } {
  const parsed = errorBodySchema.safeParse(body);
  const error = parsed.success ? parsed.data.error : undefined;
  return {
    ...(error?.message === undefined ? {} : { message: error.message }),
    ...(error?.param === undefined || error.param === null ? {} : { param: error.param }),
  };
}

/** The refusal of an action called without `confirm: true`: nothing was changed. */
export function confirmRequired(tool: string, what: string): CallToolResult {
  return failure(
    `${tool} refused: it would ${what}. Nothing was changed. Pass confirm: true to do it (field: confirm).`,
  );
}
