import { loadCatalog } from '../catalog/index.js';
import { ConfigError, type ConfigWatcher, watchConfigFile } from '../config/index.js';
import { catalogExpander } from './expand-catalog-hosts.js';
import type { ReloadSummary } from './reload-summary.js';
import type { RunningGateway } from './start-gateway.js';

/** Options of {@link reloadOnChange}. */
export interface ReloadOnChangeOptions {
  /** Environment for `${NAME}` interpolation; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Quiet time after the last file event before reloading, in milliseconds (default 100). */
  debounceMs?: number;
  /** Called after each reload with what it did. */
  onReload?(summary: ReloadSummary): void;
  /** Called when an edit does not load; the gateway keeps its last good config. */
  onError?(error: ConfigError): void;
}

/**
 * Watches a running gateway's config file and sends every edit that loads through
 * {@link RunningGateway.reload}, the same path as a reload by hand: live keys apply at once,
 * restart-only ones are logged as such. An edit that does not load is logged and changes nothing.
 */
export function reloadOnChange(
  gateway: RunningGateway,
  path: string,
  options: ReloadOnChangeOptions = {},
): ConfigWatcher {
  const rejected = (error: ConfigError): void => {
    gateway.app.log.error(`config not reloaded, the last good config stays live: ${error.toString()}`);
    options.onError?.(error);
  };
  return watchConfigFile(path, {
    // An edit naming a model the catalog lacks is refused with its line, like any other bad edit.
    expand: catalogExpander(loadCatalog(), options.env ?? process.env),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
    onReload: (config) => {
      let summary: ReloadSummary;
      try {
        summary = gateway.reload(config);
      } catch (error) {
        // The file parsed, but building what it describes failed (a provider's credentials file
        // that cannot be read): the running config stays, as for any edit that does not load.
        const message = error instanceof Error ? error.message : String(error);
        rejected(new ConfigError([{ file: path, line: undefined, column: undefined, key: '', message }]));
        return;
      }
      options.onReload?.(summary);
    },
    onError: (error) => rejected(error),
  });
}
