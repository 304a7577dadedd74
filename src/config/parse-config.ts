import { dirname, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { type ConfigPath, formatKeyPath, type PathIssue } from './config-path.js';
import type { DetourConfig } from './detour-config.js';
import { interpolateDocument } from './interpolate-env.js';
import { findPathAtOffset, locateYamlPath } from './locate-yaml-path.js';
import { maskEnvReferences, unmaskDocument } from './mask-env-references.js';
import { collectSecretValues, cutAtSecret, scrubSecrets } from './secret-fields.js';
import { validateConfig } from './validate-config.js';

/**
 * Fills in what a valid config names but does not spell out (a model's `hosts:`, whose ids come
 * from the model catalog), reporting by path what it cannot. Injected by the layers above config,
 * which alone may import the catalog.
 */
export type ConfigExpander = (config: DetourConfig) => { config: DetourConfig; issues: PathIssue[] };

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Runs on a config that validated; its issues are reported with file, line and key. */
  expand?: ConfigExpander;
}

/**
 * Parses and validates a Detour YAML config (DESIGN.md section 9): interpolates `${ENV}`
 * references, fills defaults, converts durations to milliseconds and sizes to bytes.
 * `fileName` names the file in errors and anchors relative paths (the SQLite file); a name in
 * angle brackets (`<built-in config>`) is a label, not a file, and paths resolve against the working directory.
 * @throws ConfigError listing every problem with its file, line, column and key.
 */
export function parseConfig(
  text: string,
  fileName: string,
  env: NodeJS.ProcessEnv = process.env,
  options: ParseConfigOptions = {},
): DetourConfig {
  const lineCounter = new LineCounter();
  const { masked, unmask } = maskEnvReferences(text);
  // prettyErrors would quote the offending source line, which may hold a secret.
  const document = parseDocument(masked, { lineCounter, prettyErrors: false });
  const [syntaxError] = document.errors;
  if (syntaxError !== undefined) {
    // Only the first: the parser's later errors are mostly echoes of it.
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    throw new ConfigError([
      {
        file: fileName,
        line,
        column: col,
        // A broken line inside a secret can parse as a nested key, so the guess stops at the secret field.
        key: formatKeyPath(
          cutAtSecret(findPathAtOffset(document, Math.min(syntaxError.pos[0], text.length - 1))),
        ),
        // The parser quotes the offending token, which may be a secret.
        message: `YAML syntax error: ${unmask(syntaxError.message).replace(/: ".*"$/s, '')}`,
      },
    ]);
  }
  unmaskDocument(document, unmask);
  if (document.contents === null) {
    throw new ConfigError([
      {
        file: fileName,
        line: 1,
        column: 1,
        key: '',
        message: 'the file is empty: it needs `providers` and `models`',
      },
    ]);
  }
  const interpolationIssues = interpolateDocument(document, env);
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConfigError([
      { file: fileName, line: 1, column: 1, key: '', message: `cannot read YAML: ${message}` },
    ]);
  }
  // A name in angle brackets (`<built-in simulator config>`) labels text that is not a file.
  const origin = /^<.*>$/.test(fileName)
    ? { configDir: process.cwd() }
    : { configDir: dirname(resolve(fileName)), sourcePath: resolve(fileName) };
  let result = validateConfig(value, origin);
  if (result.ok && interpolationIssues.length === 0) {
    if (options.expand === undefined) return result.config;
    const expanded = options.expand(result.config);
    if (expanded.issues.length === 0) return expanded.config;
    result = { ok: false, issues: expanded.issues };
  }

  // A field whose variable is missing would also fail its type check; report the cause only.
  const interpolated = new Set(interpolationIssues.map((issue) => formatKeyPath(issue.path)));
  const validationIssues = result.ok
    ? []
    : result.issues.filter((issue) => !interpolated.has(formatKeyPath(issue.path)));
  const secrets = collectSecretValues(value);
  throw new ConfigError(
    [...interpolationIssues, ...validationIssues].map((issue) =>
      toConfigIssue(issue, fileName, document, lineCounter, secrets),
    ),
  );
}

function toConfigIssue(
  issue: PathIssue,
  file: string,
  document: Document,
  lineCounter: LineCounter,
  secrets: readonly string[],
): ConfigIssue {
  const path: ConfigPath = issue.path;
  const { line, column } = locateYamlPath(document, lineCounter, path);
  return { file, line, column, key: formatKeyPath(path), message: scrubSecrets(issue.message, secrets) };
}
