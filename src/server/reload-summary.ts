import type { ConfigReloadPlan } from '../config/index.js';
import type { TableChange } from '../routing/index.js';

/** What a config reload did, for logs, the CLI and tests. */
export interface ReloadSummary extends TableChange {
  /** Keys whose new values apply from now on (`models.gpt-5.deployments`, `status.title`). */
  applied: string[];
  /** Keys whose new values wait for a restart; the running values stay in force. */
  onRestart: string[];
}

/** Summarises a reload plan and what it changed in the model table. */
export function summarizeReload(plan: ConfigReloadPlan, table: TableChange): ReloadSummary {
  return {
    applied: plan.live.map((change) => change.key),
    onRestart: plan.restart.map((change) => change.key),
    ...table,
  };
}

/** One line for a person: `applied models.m.deployments, status.title; on restart: server.bodyLimit`. */
export function describeReload(summary: ReloadSummary): string {
  const parts: string[] = [];
  if (summary.applied.length > 0) parts.push(`applied ${summary.applied.join(', ')}`);
  if (summary.onRestart.length > 0) parts.push(`on restart: ${summary.onRestart.join(', ')}`);
  return parts.length === 0 ? 'no changes' : parts.join('; ');
}
