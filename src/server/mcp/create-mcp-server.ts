import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AdminApi } from './admin-api.js';
import type { TableTool } from './define-tool.js';
import { DETOUR_TOOLS } from './detour-tools.js';

/** Name and version the server gives in the MCP handshake. */
export const MCP_SERVER_INFO = { name: 'detour', version: '0.1.0' } as const;

/** An MCP server offering `tools` (default {@link DETOUR_TOOLS}), each calling the admin API through `api`. */
export function createMcpServer(api: AdminApi, tools: readonly TableTool[] = DETOUR_TOOLS): McpServer {
  const server = new McpServer(MCP_SERVER_INFO, {
    instructions:
      'Detour is an AI gateway. These tools read its live health, incidents and usage, and act on it ' +
      '(drain, enable, force-enable a deployment; create and revoke client keys). Actions that change ' +
      'routing or access need confirm: true; ask the user before passing it.',
  });
  for (const tool of tools) tool.register(server, api);
  return server;
}
