export {
  type AdminAnswer,
  type AdminApi,
  type AdminMethod,
  httpAdminApi,
  injectAdminApi,
} from './admin-api.js';
export { createMcpServer, MCP_SERVER_INFO } from './create-mcp-server.js';
export {
  callAdmin,
  confirmRequired,
  type DetourTool,
  defineTool,
  failure,
  success,
  type TableTool,
} from './define-tool.js';
export { DETOUR_TOOLS } from './detour-tools.js';
export { registerMcpRoute } from './mcp-route.js';
