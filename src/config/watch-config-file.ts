import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConfigError } from './config-error.js';
import type { DetourConfig } from './detour-config.js';
import { readConfigText } from './load-config-file.js';
import { type ConfigExpander, parseConfig } from './parse-config.js';

/** What {@link watchConfigFile} calls and how it waits. */
export interface WatchConfigOptions {
  /** Environment for `${NAME}` interpolation; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Called with the new config after a change that loads cleanly. */
  onReload(config: DetourConfig): void;
  /** Called when a change does not load; the caller keeps its last good config. */
  onError(error: ConfigError): void;
  /** Quiet time after the last file event before reloading, in milliseconds (default 100). */
  debounceMs?: number;
  /** Fills in `hosts:` from the model catalog (see {@link ConfigExpander}). */
  expand?: ConfigExpander;
}

/** A running watch. */
export interface ConfigWatcher {
  /** Stops watching; no callback runs afterwards. */
  close(): void;
}

/**
 * Reloads a config file whenever it changes. The folder is watched, not the file, because
 * editors that save by writing a temporary file and renaming it over the original replace the
 * inode a file watch would follow. Events are debounced, and a change that leaves the text as
 * it was is ignored.
 */
export function watchConfigFile(path: string, options: WatchConfigOptions): ConfigWatcher {
  const fileName = basename(resolve(path));
  const debounceMs = options.debounceMs ?? 100;
  const env = options.env ?? process.env;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let loading = false;
  let changedWhileLoading = false;
  let lastText: string | undefined;

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  };

  const reload = async (): Promise<void> => {
    if (loading) {
      changedWhileLoading = true;
      return;
    }
    loading = true;
    let outcome: { config: DetourConfig } | { error: ConfigError } | undefined;
    try {
      const text = await readConfigText(path);
      if (text !== lastText) {
        lastText = text;
        outcome = {
          config: parseConfig(
            text,
            path,
            env,
            options.expand === undefined ? {} : { expand: options.expand },
          ),
        };
      }
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // An unreadable file may come back unchanged; that must still count as a change.
      if (error.key === '' && error.line === undefined) lastText = undefined;
      outcome = { error };
    } finally {
      loading = false;
    }
    if (changedWhileLoading) {
      changedWhileLoading = false;
      schedule();
    }
    if (closed || outcome === undefined) return;
    if ('config' in outcome) options.onReload(outcome.config);
    else options.onError(outcome.error);
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(dirname(resolve(path)), (_event, changed) => {
      // Some platforms omit the name; then any change in the folder may be ours.
      if (changed === null || changed === fileName) schedule();
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      [
        {
          file: path,
          line: undefined,
          column: undefined,
          key: '',
          message: `cannot watch config file: ${reason}`,
        },
      ],
      { cause: error },
    );
  }
  watcher.on('error', (error) => {
    if (closed) return;
    options.onError(
      new ConfigError(
        [
          {
            file: path,
            line: undefined,
            column: undefined,
            key: '',
            message: `watching stopped: ${error.message}`,
          },
        ],
        { cause: error },
      ),
    );
  });

  return {
    close(): void {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
