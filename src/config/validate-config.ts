import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { checkReferences } from './check-references.js';
import type { PathIssue } from './config-path.js';
import type { DetourConfig } from './detour-config.js';
import { type ConfigBody, configSchema } from './schema.js';

/** Where a validated config came from, for resolving relative paths. */
export interface ConfigOrigin {
  /** Absolute folder that relative paths are resolved against. */
  configDir: string;
  /** Absolute path of the source file, if any. */
  sourcePath?: string;
}

/** The outcome of validating a plain config value. */
export type ValidationResult = { ok: true; config: DetourConfig } | { ok: false; issues: PathIssue[] };

/**
 * Validates a plain (already interpolated) config value against the schema and the cross-field
 * rules, reporting every problem found; on success fills defaults and resolves the SQLite path.
 */
export function validateConfig(document: unknown, origin: ConfigOrigin): ValidationResult {
  const parsed = configSchema.safeParse(document, { error: describeIssue });
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap(toPathIssues)),
    ...checkReferences(document),
  ];
  if (!parsed.success || issues.length > 0) return { ok: false, issues };
  const body: ConfigBody = parsed.data;
  const store =
    body.store.type === 'sqlite' && body.store.path !== ':memory:' && !isAbsolute(body.store.path)
      ? { type: 'sqlite' as const, path: resolve(origin.configDir, body.store.path) }
      : body.store;
  const config: DetourConfig = { ...body, store, configDir: origin.configDir };
  if (body.canaries.suites !== undefined) {
    // A suite that looks like a file is read relative to the config, as the store's path is.
    const suites = body.canaries.suites.map((suite) =>
      /[\\/]|\.ya?ml$/i.test(suite) && !isAbsolute(suite) ? resolve(origin.configDir, suite) : suite,
    );
    config.canaries = { ...body.canaries, suites };
  }
  if (origin.sourcePath !== undefined) config.sourcePath = origin.sourcePath;
  return { ok: true, config };
}

function toPathIssues(issue: z.core.$ZodIssue): PathIssue[] {
  const path = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: [...path, key], message: `unknown key ${JSON.stringify(key)}` }));
  }
  return [{ path, message: issue.message }];
}

// Messages that never echo the offending value (it may be a secret), except enum choices.
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return 'expected an integer';
      return `expected ${EXPECTED_NAMES[issue.expected] ?? issue.expected}, got ${describeType(issue.input)}`;
    case 'too_small':
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return issue.inclusive === false
        ? `must be greater than ${String(issue.minimum)}`
        : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.inclusive === false
        ? `must be less than ${String(issue.maximum)}`
        : `must be at most ${String(issue.maximum)}`;
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')} (got ${JSON.stringify(issue.input)})`;
    default:
      return undefined;
  }
}

const EXPECTED_NAMES: Readonly<Record<string, string>> = {
  object: 'a map',
  record: 'a map',
  array: 'a list',
  string: 'a string',
  number: 'a number',
};

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string' || typeof value === 'number') return `a ${typeof value}`;
  return typeof value;
}
