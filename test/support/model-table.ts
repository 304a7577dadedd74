import { createProvider } from '../../src/providers/index.js';
import { type ModelRoute, ModelTable } from '../../src/routing/index.js';

/** Provider `a`: an OpenAI-compatible host on a port nothing listens on (these tables send nothing). */
const provider = createProvider('a', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' });

/**
 * A model table from `{ model: [upstream ids on provider a] }`: deployment ids `a/<upstream>`, priority
 * routing, no fallbacks. For unit tests of what reads a table (routing state, the incident detector).
 */
export function tableOf(models: Record<string, string[]>): ModelTable {
  const routes: ModelRoute[] = Object.entries(models).map(([name, upstreams]) => ({
    name,
    deployments: upstreams.map((upstream) => ({
      modelName: name,
      provider,
      deploymentId: `a/${upstream}`,
      upstreamModel: upstream,
      timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
    })),
    fallbacks: [],
    totalTimeoutMs: 10_000,
    strategy: 'priority',
  }));
  return new ModelTable(routes);
}
