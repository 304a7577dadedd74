export { type AppOptions, buildApp } from './build-app.js';
export { buildGateway, type ModelFacts, type ModelFactsLookup } from './build-gateway.js';
export {
  catalogExpander,
  catalogHostOf,
  deploymentPrice,
  expandCatalogHosts,
} from './expand-catalog-hosts.js';
export type { Gateway } from './gateway.js';
export { createMcpServer, DETOUR_TOOLS, httpAdminApi } from './mcp/index.js';
export { type ReloadOnChangeOptions, reloadOnChange } from './reload-on-change.js';
export { describeReload, type ReloadSummary } from './reload-summary.js';
export { ADMIN_ACTIONS, type AdminAction, type DeploymentHealthRow, readHealth } from './routes/admin.js';
export { type RunningGateway, type StartOptions, startGateway } from './start-gateway.js';
