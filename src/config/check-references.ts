import type { PathIssue } from './config-path.js';

/**
 * Checks what the schema cannot see field by field: every deployment names a configured
 * provider, every fallback and every `auto` candidate names a configured model, no model falls back
 * to itself, and no auto model chooses itself or another auto model.
 * Reads the raw document defensively, so these problems are reported together with type errors.
 */
export function checkReferences(document: unknown): PathIssue[] {
  if (!isRecord(document)) return [];
  const providers = isRecord(document.providers) ? Object.keys(document.providers) : undefined;
  const models = isRecord(document.models) ? document.models : {};
  const modelNames = Object.keys(models);
  const issues: PathIssue[] = [];
  for (const [modelName, model] of Object.entries(models)) {
    if (!isRecord(model)) continue;
    if (providers !== undefined && Array.isArray(model.deployments)) {
      model.deployments.forEach((deployment: unknown, index) => {
        if (!isRecord(deployment) || typeof deployment.provider !== 'string') return;
        if (providers.includes(deployment.provider)) return;
        issues.push({
          path: ['models', modelName, 'deployments', index, 'provider'],
          message: `unknown provider ${JSON.stringify(deployment.provider)} (known: ${listNames(providers)})`,
        });
      });
    }
    const auto = isRecord(model.auto) ? model.auto : undefined;
    if (auto !== undefined && Array.isArray(auto.among)) {
      auto.among.forEach((candidate: unknown, index) => {
        if (typeof candidate !== 'string') return;
        const path = ['models', modelName, 'auto', 'among', index];
        const target = models[candidate];
        if (candidate === modelName) {
          issues.push({ path, message: `auto model ${JSON.stringify(modelName)} cannot choose itself` });
        } else if (target === undefined) {
          issues.push({
            path,
            message: `unknown model ${JSON.stringify(candidate)} (known: ${listNames(modelNames)})`,
          });
        } else if (isRecord(target) && target.auto !== undefined) {
          // One level of choice: an auto model among auto models would hide what serves a request.
          issues.push({ path, message: `${JSON.stringify(candidate)} is an auto model itself` });
        }
      });
    }
    if (providers !== undefined && Array.isArray(model.hosts)) {
      model.hosts.forEach((host: unknown, index) => {
        if (typeof host !== 'string' || providers.includes(host)) return;
        issues.push({
          path: ['models', modelName, 'hosts', index],
          message: `unknown provider ${JSON.stringify(host)} (known: ${listNames(providers)})`,
        });
      });
    }
    if (Array.isArray(model.fallbacks)) {
      model.fallbacks.forEach((fallback: unknown, index) => {
        if (typeof fallback !== 'string') return;
        const path = ['models', modelName, 'fallbacks', index];
        if (fallback === modelName) {
          issues.push({ path, message: `model ${JSON.stringify(modelName)} cannot fall back to itself` });
        } else if (!modelNames.includes(fallback)) {
          issues.push({
            path,
            message: `unknown model ${JSON.stringify(fallback)} (known: ${listNames(modelNames)})`,
          });
        }
      });
    }
  }
  return issues;
}

function listNames(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
