import { classifyConfigChange } from './classify-config-change.js';
import type { ConfigPath } from './config-path.js';
import type { DetourConfig } from './detour-config.js';
import { type ConfigChange, diffConfig } from './diff-config.js';

/** What a reload does with a new config, decided before anything is touched. */
export interface ConfigReloadPlan {
  /** The config to run from now on: the new one, with every restart-only key at its running value. */
  effective: DetourConfig;
  /** Changes that apply at once. */
  live: ConfigChange[];
  /** Changes that wait for a restart; `effective` keeps the running value of each. */
  restart: ConfigChange[];
}

type Tree = Record<string, unknown>;

function readAt(root: unknown, path: ConfigPath): unknown {
  let node = root;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Tree)[String(segment)];
  }
  return node;
}

function writeAt(root: Tree, path: ConfigPath, value: unknown): void {
  let node = root;
  for (const segment of path.slice(0, -1)) {
    const key = String(segment);
    const child = node[key];
    if (typeof child !== 'object' || child === null) node[key] = {};
    node = node[key] as Tree;
  }
  const last = String(path[path.length - 1]);
  if (value === undefined) delete node[last];
  else node[last] = structuredClone(value);
}

/**
 * Splits the difference between the running config and a new one into what applies live and what
 * needs a restart ({@link classifyConfigChange}), and builds the config to run meanwhile. Keeping
 * the running value of a restart-only key means the running server never claims a value it does
 * not use, and the same change is reported again at the next reload until Detour restarts.
 */
export function planConfigReload(running: DetourConfig, next: DetourConfig): ConfigReloadPlan {
  const changes = diffConfig(running, next);
  const live = changes.filter((change) => classifyConfigChange(change.path) === 'live');
  const restart = changes.filter((change) => classifyConfigChange(change.path) === 'restart');
  const effective = structuredClone(next);
  for (const change of restart)
    writeAt(effective as unknown as Tree, change.path, readAt(running, change.path));
  return { effective, live, restart };
}
