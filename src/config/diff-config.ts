import type { ConfigPath } from './config-path.js';
import { formatKeyPath } from './config-path.js';
import type { DetourConfig } from './detour-config.js';

/** One key that differs between two configs. */
export interface ConfigChange {
  /** Where, from the document's root. */
  path: ConfigPath;
  /** The path as the config errors write it (`models.gpt-5.deployments`). */
  key: string;
  /** Present only in the new config, only in the old one, or in both with different values. */
  kind: 'added' | 'removed' | 'changed';
}

// Where the file is, not what it says: a reload of the same file never changes them.
const ORIGIN_KEYS: ReadonlySet<string> = new Set(['configDir', 'sourcePath']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sameValue(left: unknown, right: unknown): boolean {
  if (Object.is(left, right)) return true;
  if (Array.isArray(left) && Array.isArray(right))
    return left.length === right.length && left.every((item, index) => sameValue(item, right[index]));
  if (isRecord(left) && isRecord(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].every((key) => sameValue(left[key], right[key]));
  }
  return false;
}

function collect(previous: unknown, next: unknown, path: ConfigPath, changes: ConfigChange[]): void {
  if (isRecord(previous) && isRecord(next)) {
    const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
    for (const key of keys) {
      if (path.length === 0 && ORIGIN_KEYS.has(key)) continue;
      collect(previous[key], next[key], [...path, key], changes);
    }
    return;
  }
  if (sameValue(previous, next)) return;
  // A key holding `undefined` is an absent optional key, as in the YAML.
  const kind = previous === undefined ? 'added' : next === undefined ? 'removed' : 'changed';
  changes.push({ path, key: formatKeyPath(path), kind });
}

/**
 * The keys that differ between two loaded configs (the old config's order, new keys last). Maps (sections, providers,
 * models) are compared key by key; a list (deployments, fallbacks, ramp, webhooks) is one value,
 * so reordering deployments reads as one change of `models.<name>.deployments`.
 */
export function diffConfig(previous: DetourConfig, next: DetourConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  collect(previous, next, [], changes);
  return changes;
}
