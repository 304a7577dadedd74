import type { Catalog, CatalogHost, TokenPrice } from '../catalog/index.js';
import type {
  ConfigExpander,
  DeploymentConfig,
  DetourConfig,
  ModelConfig,
  PathIssue,
  ProviderConfig,
} from '../config/index.js';

/** The catalog host a configured provider is, if any. */
export function catalogHostOf(
  catalog: Catalog,
  name: string,
  provider: ProviderConfig,
): CatalogHost | undefined {
  const description: { name: string; kind: string; baseUrl?: string } = { name, kind: provider.protocol };
  if (provider.baseUrl !== undefined) description.baseUrl = provider.baseUrl;
  return catalog.hostFor(description);
}

/** Bedrock's region as the provider resolves it (its own, else the AWS environment, else us-east-1). */
function regionOf(provider: ProviderConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (provider.protocol !== 'bedrock') return undefined;
  return provider.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

/**
 * Fills in the deployments of every model written with `hosts: [provider, ...]`: one per provider,
 * in that order, calling the model by the catalog's id at the provider's host (Bedrock with the
 * inference profile its region needs). An explicit deployment on one of those providers takes
 * the catalog's place; explicit deployments on other providers follow. A model the catalog does
 * not know, a provider that is no catalog host, or a host that does not serve the model is
 * reported by path. Running it again on its own output changes nothing.
 */
export function expandCatalogHosts(
  config: DetourConfig,
  catalog: Catalog,
  env: NodeJS.ProcessEnv = process.env,
): { config: DetourConfig; issues: PathIssue[] } {
  const issues: PathIssue[] = [];
  const models: Record<string, ModelConfig> = {};
  for (const [modelName, model] of Object.entries(config.models)) {
    if (model.hosts === undefined) {
      models[modelName] = model;
      continue;
    }
    const entry = catalog.get(modelName);
    if (entry === undefined) {
      issues.push({
        path: ['models', modelName, 'hosts'],
        message: `model ${JSON.stringify(modelName)} is not in the model catalog (see \`detour models\`); write its deployments instead`,
      });
      models[modelName] = model;
      continue;
    }
    const deployments: DeploymentConfig[] = [];
    model.hosts.forEach((providerName, index) => {
      const explicit = model.deployments.filter((deployment) => deployment.provider === providerName);
      if (explicit.length > 0) {
        deployments.push(...explicit);
        return;
      }
      const provider = config.providers[providerName];
      // An unknown provider name is already reported by the config's own reference check.
      if (provider === undefined) return;
      const host = catalogHostOf(catalog, providerName, provider);
      const path = ['models', modelName, 'hosts', index];
      const servedOn = catalog.hostsOf(modelName).map((served) => served.name);
      if (host === undefined) {
        issues.push({
          path,
          message: `provider ${JSON.stringify(providerName)} (${provider.protocol}) is not a host the model catalog knows; ${modelName} is served on: ${servedOn.join(', ')}`,
        });
        return;
      }
      const id = catalog.idAt(modelName, host.name, regionOf(provider, env));
      if (id === undefined) {
        issues.push({
          path,
          message: `${modelName} is not served on ${host.name} (${host.kind}); it is served on: ${servedOn.join(', ')}`,
        });
        return;
      }
      deployments.push({ provider: providerName, model: id });
    });
    const named = new Set(model.hosts);
    deployments.push(...model.deployments.filter((deployment) => !named.has(deployment.provider)));
    models[modelName] = { ...model, deployments };
  }
  return { config: { ...config, models }, issues };
}

/** {@link expandCatalogHosts} as a config loader option. */
export function catalogExpander(catalog: Catalog, env: NodeJS.ProcessEnv = process.env): ConfigExpander {
  return (config) => expandCatalogHosts(config, catalog, env);
}

/**
 * The price a deployment is charged at: its own `price:` when the config sets one, else the
 * catalog's for the model its upstream id names at the provider's host (a Bedrock profile prefix
 * is looked through), else the catalog's for the Detour model name if that host serves it.
 * Undefined when neither knows: such requests have no cost.
 */
export function deploymentPrice(
  catalog: Catalog,
  modelName: string,
  deployment: DeploymentConfig,
  provider: ProviderConfig,
): TokenPrice | undefined {
  const own = deployment.price;
  if (own !== undefined) {
    // Read field by field, never spread: a config key nothing reads must show as unread.
    const price: TokenPrice = { input: own.input, output: own.output };
    if (own.cachedInput !== undefined) price.cachedInput = own.cachedInput;
    if (own.cacheWrite !== undefined) price.cacheWrite = own.cacheWrite;
    return price;
  }
  const host = catalogHostOf(catalog, deployment.provider, provider);
  if (host === undefined) return undefined;
  const byId = catalog.modelAt(host.name, deployment.model);
  if (byId !== undefined) return catalog.priceAt(byId.name, host.name);
  return catalog.priceAt(modelName, host.name);
}
