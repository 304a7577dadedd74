import type { Catalog } from '../catalog/index.js';
import type { DetourConfig } from '../config/index.js';
import type { ModelFacts, ModelFactsLookup } from './build-gateway.js';
import { catalogHostOf } from './expand-catalog-hosts.js';

// Bedrock calls a model through an inference profile by its base id with a geography prefix.
const BEDROCK_PROFILE_PREFIX = /^(us|eu|apac|global)\./;

/**
 * The catalog's facts for a config's models. A deployment is known by what its host calls the
 * model (so a config model named `fast-chat` with `model: gpt-5-mini` at OpenAI gets gpt-5-mini's
 * window and OpenAI's price), else by the config model's own name when the catalog has it; a model
 * as a whole is known by its name, else by the catalog model its first deployment serves.
 */
export function catalogFacts(catalog: Catalog, config: DetourConfig): ModelFactsLookup {
  const byHostId = new Map<string, string>();
  for (const model of catalog.list()) {
    for (const [host, id] of Object.entries(model.ids)) byHostId.set(`${host}\u0000${id}`, model.name);
  }
  const hostOf = (provider: string) => {
    const settings = config.providers[provider];
    return settings === undefined ? undefined : catalogHostOf(catalog, provider, settings);
  };
  const catalogNameAt = (model: string, host: string, upstreamModel: string): string | undefined => {
    const id = upstreamModel.replace(BEDROCK_PROFILE_PREFIX, '');
    return (
      byHostId.get(`${host}\u0000${upstreamModel}`) ??
      byHostId.get(`${host}\u0000${id}`) ??
      (catalog.get(model) === undefined ? undefined : model)
    );
  };
  const factsOfName = (name: string): ModelFacts | undefined => {
    const entry = catalog.get(name);
    if (entry === undefined) return undefined;
    return {
      contextWindow: entry.contextWindow,
      maxOutput: entry.maxOutput,
      capabilities: entry.capabilities,
    };
  };
  return (model, provider, upstreamModel) => {
    if (provider === undefined || upstreamModel === undefined) {
      const first = config.models[model]?.deployments[0];
      const host = first === undefined ? undefined : hostOf(first.provider);
      const name =
        catalog.get(model) !== undefined
          ? model
          : host !== undefined && first !== undefined
            ? catalogNameAt(model, host.name, first.model)
            : undefined;
      return name === undefined ? undefined : factsOfName(name);
    }
    const host = hostOf(provider);
    const name =
      host === undefined
        ? catalog.get(model) === undefined
          ? undefined
          : model
        : catalogNameAt(model, host.name, upstreamModel);
    if (name === undefined) return undefined;
    const facts = factsOfName(name) ?? {};
    const price = host === undefined ? undefined : catalog.priceAt(name, host.name);
    if (price !== undefined) facts.price = price;
    return facts;
  };
}
