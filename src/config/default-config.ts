import { ConfigError } from './config-error.js';
import { formatKeyPath } from './config-path.js';
import type { DetourConfig } from './detour-config.js';
import type { DetourConfigInput } from './schema.js';
import { collectSecretValues, scrubSecrets } from './secret-fields.js';
import { validateConfig } from './validate-config.js';

/** What {@link defaultConfig} accepts: any part of a config document, as plain values. */
export type PartialConfigInput = Partial<DetourConfigInput>;

/**
 * Builds a fully defaulted config from plain values, without a file — for tests and for
 * `detour start` without a config. Durations may be strings (`30s`) or milliseconds; relative
 * SQLite paths resolve against `configDir` (default: the working directory).
 * @throws ConfigError (without line numbers) when the values are invalid.
 */
export function defaultConfig(
  partial: PartialConfigInput = {},
  configDir: string = process.cwd(),
): DetourConfig {
  const document = { providers: {}, models: {}, ...partial };
  const result = validateConfig(document, { configDir });
  if (result.ok) return result.config;
  const secrets = collectSecretValues(document);
  throw new ConfigError(
    result.issues.map((issue) => ({
      file: '<defaultConfig>',
      line: undefined,
      column: undefined,
      key: formatKeyPath(issue.path),
      message: scrubSecrets(issue.message, secrets),
    })),
  );
}
