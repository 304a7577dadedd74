import { loadCatalog } from '../catalog/index.js';
import { type DetourConfig, resolveModelTimeouts } from '../config/index.js';
import { type Clock, systemClock } from '../core/index.js';
import { createProvider, type UpstreamTransport } from '../providers/index.js';
import {
  type Deployment,
  type ModelCapabilities,
  type ModelRoute,
  ModelTable,
  type RoutingState,
  type TokenPrice,
} from '../routing/index.js';
import { retryPolicyOf } from './build-routing-state.js';
import { catalogFacts } from './catalog-facts.js';
import { deploymentPrice } from './expand-catalog-hosts.js';
import type { Gateway } from './gateway.js';

/** What is known of a model (at one host, when a provider is given), from the catalog. */
export interface ModelFacts {
  /** Context window in tokens. */
  contextWindow?: number;
  /** Most output tokens one answer may have. */
  maxOutput?: number;
  /** What the model can do. */
  capabilities?: ModelCapabilities;
  /** The host's price. */
  price?: TokenPrice;
}

/**
 * Looks up a configured model's facts, at one deployment (provider name and upstream id) or for
 * the model as a whole; undefined when nothing is known. The catalog provides it; routing only
 * sees what is put on each route and deployment.
 */
export type ModelFactsLookup = (
  model: string,
  provider?: string,
  upstreamModel?: string,
) => ModelFacts | undefined;

/**
 * How a deployment continues a partial answer: Anthropic Messages hosts take a trailing assistant
 * message unless the catalog says the model does not; an OpenAI-compatible server only in the
 * dialect its config names (`prefill: deepseek | vllm`); other hosts not at all (undefined).
 */
function prefillOf(
  provider: ReturnType<typeof createProvider>,
  upstreamModel: string,
  settings: DetourConfig['providers'][string] | undefined,
  catalogPrefill: boolean | undefined,
): Deployment['prefill'] {
  if (catalogPrefill === false) return undefined;
  if (provider.wireFor(upstreamModel) === 'anthropic-messages') return 'assistant';
  if (settings?.protocol === 'openai-chat' && settings.prefill === 'deepseek') return 'deepseek-prefix';
  if (settings?.protocol === 'openai-chat' && settings.prefill === 'vllm') return 'vllm-continue';
  return undefined;
}

/** Builds the request path's runtime view of a config: providers, models and their deployments; `state` is kept across reloads. */
export function buildGateway(
  config: DetourConfig,
  transport: UpstreamTransport,
  state: RoutingState,
  clock: Clock = systemClock,
  modelFacts?: ModelFactsLookup,
): Gateway {
  // Config fields are read by name, never spread: a key that nothing reads must show up as unread
  // (test/config-keys-read.test.ts), and a spread would hide it. A provider's kind reads its own.
  const catalog = loadCatalog();
  const factsOf = modelFacts ?? catalogFacts(catalog, config);
  const providers = new Map(
    Object.entries(config.providers).map(([name, settings]) => [name, createProvider(name, settings)]),
  );
  const routes: ModelRoute[] = Object.entries(config.models).map(([modelName, model]) => {
    const capabilities = factsOf(modelName)?.capabilities;
    const timeouts = resolveModelTimeouts(config, modelName, capabilities?.reasoning);
    const adaptive = timeouts.adaptiveFirstToken;
    const adaptiveFirstToken =
      adaptive === undefined
        ? undefined
        : { multiplier: adaptive.multiplier, floorMs: adaptive.floor, minSamples: adaptive.minSamples };
    const deployments: Deployment[] = model.deployments.map((deployment) => {
      const provider = providers.get(deployment.provider);
      // The config loader already checked every reference; this guards against a hand-built config.
      if (provider === undefined)
        throw new Error(`model ${modelName}: unknown provider ${deployment.provider}`);
      const built: Deployment = {
        modelName,
        provider,
        deploymentId: `${deployment.provider}/${deployment.model}`,
        upstreamModel: deployment.model,
        timeouts: { firstTokenMs: timeouts.firstToken, idleMs: timeouts.idle },
        weight: deployment.weight ?? 1,
      };
      const facts = factsOf(modelName, deployment.provider, deployment.model);
      // The config's window wins over the catalog's: an operator may know a host's own limit.
      const contextWindow = model.contextWindow ?? facts?.contextWindow;
      if (contextWindow !== undefined) built.contextWindow = contextWindow;
      if (facts?.maxOutput !== undefined) built.maxOutput = facts.maxOutput;
      if (adaptiveFirstToken !== undefined) built.adaptiveFirstToken = adaptiveFirstToken;
      const settings = config.providers[deployment.provider];
      const price =
        (settings === undefined ? undefined : deploymentPrice(catalog, modelName, deployment, settings)) ??
        facts?.price;
      if (price !== undefined) built.price = price;
      const prefill = prefillOf(provider, deployment.model, settings, facts?.capabilities?.prefill);
      if (prefill !== undefined) built.prefill = prefill;
      return built;
    });
    const route: ModelRoute = {
      name: modelName,
      deployments,
      fallbacks: model.fallbacks ?? [],
      strategy: model.strategy ?? config.routing.strategy,
      totalTimeoutMs: timeouts.total,
    };
    if (model.description !== undefined) route.description = model.description;
    if (capabilities !== undefined) route.capabilities = capabilities;
    if (model.auto !== undefined) route.auto = { among: model.auto.among, prefer: model.auto.prefer };
    if (model.log?.bodies === true) route.logBodies = true;
    if (model.hedging !== undefined) {
      route.hedging = { maxShare: model.hedging.maxShare, floorMs: model.hedging.floor };
    }
    if ((model.streams?.recovery ?? config.streams.recovery) === 'continue') {
      route.recovery = { acrossModels: model.streams?.acrossModels ?? config.streams.acrossModels };
    }
    return route;
  });
  const gateway: Gateway = {
    table: new ModelTable(routes),
    transport,
    clock,
    policy: retryPolicyOf(config),
    state,
  };
  if (config.server.adminKey !== undefined) gateway.adminKey = config.server.adminKey;
  return gateway;
}
