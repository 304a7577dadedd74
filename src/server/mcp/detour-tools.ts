import {
  createKey,
  drainDeployment,
  enableDeployment,
  forceEnableDeployment,
  revokeKey,
} from './action-tools.js';
import type { TableTool } from './define-tool.js';
import {
  explainModel,
  getHealth,
  getIncident,
  listIncidents,
  listModels,
  qualityStatus,
  usageSummary,
} from './read-tools.js';

/**
 * Every tool the Detour MCP server offers, on stdio and on `/mcp` alike. A new tool is one
 * `defineTool({...})` over the admin API and one entry here.
 */
export const DETOUR_TOOLS: readonly TableTool[] = [
  listModels,
  getHealth,
  listIncidents,
  getIncident,
  usageSummary,
  explainModel,
  qualityStatus,
  drainDeployment,
  enableDeployment,
  forceEnableDeployment,
  createKey,
  revokeKey,
];
