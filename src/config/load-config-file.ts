import { readFile } from 'node:fs/promises';
import { ConfigError } from './config-error.js';
import type { DetourConfig } from './detour-config.js';
import { type ParseConfigOptions, parseConfig } from './parse-config.js';

/**
 * Reads and parses a config file (see {@link parseConfig}).
 * @throws ConfigError naming the file when it is missing or unreadable, or listing every problem in it.
 */
export async function loadConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  options: ParseConfigOptions = {},
): Promise<DetourConfig> {
  return parseConfig(await readConfigText(path), path, env, options);
}

/** Reads a config file's text, turning I/O failures into a {@link ConfigError}. */
export async function readConfigText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory'
            : error instanceof Error
              ? error.message
              : String(error);
    throw new ConfigError(
      [
        {
          file: path,
          line: undefined,
          column: undefined,
          key: '',
          message: `cannot read config file: ${reason}`,
        },
      ],
      { cause: error },
    );
  }
}
