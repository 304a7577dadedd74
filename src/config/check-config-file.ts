import { loadConfigFile } from './load-config-file.js';
import type { ParseConfigOptions } from './parse-config.js';

/**
 * Validates a config file for `detour config check FILE` and returns a one-line summary,
 * e.g. `detour.yaml: OK — 3 providers (anthropic, openai, local), 2 models (...), 3 deployments`.
 * @throws ConfigError listing every problem.
 */
export async function checkConfigFile(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
  options: ParseConfigOptions = {},
): Promise<string> {
  const config = await loadConfigFile(path, env, options);
  const providers = Object.keys(config.providers);
  const models = Object.keys(config.models);
  const deployments = Object.values(config.models).reduce((sum, model) => sum + model.deployments.length, 0);
  return (
    `${path}: OK — ${describeCount(providers.length, 'provider')}${listInParentheses(providers)}, ` +
    `${describeCount(models.length, 'model')}${listInParentheses(models)}, ${describeCount(deployments, 'deployment')}`
  );
}

function describeCount(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function listInParentheses(names: readonly string[]): string {
  return names.length === 0 ? '' : ` (${names.join(', ')})`;
}
