import type { DetourConfig } from '../config/index.js';
import { type Clock, systemClock } from '../core/index.js';
import { createProvider, type UpstreamTransport } from '../providers/index.js';
import { type Deployment, type ModelRoute, ModelTable, type RoutingState } from '../routing/index.js';
import { retryPolicyOf } from './build-routing-state.js';
import type { Gateway } from './gateway.js';

/** Builds the request path's runtime view of a config: providers, models and their deployments; `state` is kept across reloads. */
export function buildGateway(
  config: DetourConfig,
  transport: UpstreamTransport,
  state: RoutingState,
  clock: Clock = systemClock,
): Gateway {
  // Config fields are read by name, never spread: a key that nothing reads must show up as unread
  // (test/config-keys-read.test.ts), and a spread would hide it. A provider's kind reads its own.
  const providers = new Map(
    Object.entries(config.providers).map(([name, settings]) => [name, createProvider(name, settings)]),
  );
  const routes: ModelRoute[] = Object.entries(config.models).map(([modelName, model]) => {
    const timeouts = {
      firstToken: model.timeouts?.firstToken ?? config.timeouts.firstToken,
      idle: model.timeouts?.idle ?? config.timeouts.idle,
      total: model.timeouts?.total ?? config.timeouts.total,
    };
    const deployments: Deployment[] = model.deployments.map((deployment) => {
      const provider = providers.get(deployment.provider);
      // The config loader already checked every reference; this guards against a hand-built config.
      if (provider === undefined)
        throw new Error(`model ${modelName}: unknown provider ${deployment.provider}`);
      return {
        modelName,
        provider,
        deploymentId: `${deployment.provider}/${deployment.model}`,
        upstreamModel: deployment.model,
        timeouts: { firstTokenMs: timeouts.firstToken, idleMs: timeouts.idle },
        weight: deployment.weight ?? 1,
      };
    });
    const route: ModelRoute = {
      name: modelName,
      deployments,
      fallbacks: model.fallbacks ?? [],
      strategy: model.strategy ?? config.routing.strategy,
      totalTimeoutMs: timeouts.total,
    };
    if (model.description !== undefined) route.description = model.description;
    if (model.log?.bodies === true) route.logBodies = true;
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
