import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer, httpAdminApi } from '../server/index.js';

/**
 * `detour mcp`: the MCP server on stdin/stdout, its tools calling a running Detour's admin API over
 * HTTP. Stdout carries only the protocol, so everything else goes to stderr. Resolves to an exit
 * code on a usage error, else undefined while it serves (it ends when the client closes stdin).
 */
export async function runMcp(argv: string[]): Promise<number | undefined> {
  let values: { url?: string; 'admin-key'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { url: { type: 'string' }, 'admin-key': { type: 'string' } },
    }));
  } catch (error) {
    process.stderr.write(`detour mcp: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const url = values.url ?? process.env.DETOUR_URL ?? 'http://127.0.0.1:4000';
  const adminKey = values['admin-key'] ?? process.env.DETOUR_ADMIN_KEY;
  if (adminKey === undefined) {
    process.stderr.write(
      'detour mcp: pass --admin-key KEY or set DETOUR_ADMIN_KEY (server.adminKey of the server)\n',
    );
    return 2;
  }
  const server = createMcpServer(httpAdminApi(url, adminKey));
  const transport = new StdioServerTransport();
  process.stdin.once('end', () => void server.close());
  await server.connect(transport);
  process.stderr.write(`detour mcp: serving on stdio for ${url}\n`);
  return undefined;
}
