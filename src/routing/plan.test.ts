import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/index.js';
import { createProvider } from '../providers/index.js';
import { type Deployment, type ModelRoute, ModelTable } from './model-table.js';
import { planCandidates } from './plan.js';

function deployment(model: string): Deployment {
  return {
    modelName: model,
    provider: createProvider('p', { protocol: 'openai-chat', baseUrl: 'http://p.invalid/v1' }),
    deploymentId: `p/up-${model}`,
    upstreamModel: `up-${model}`,
    timeouts: { firstTokenMs: 1000, idleMs: 1000 },
  };
}

function route(name: string, fallbacks: string[] = []): ModelRoute {
  return { name, deployments: [deployment(name)], strategy: 'priority', fallbacks, totalTimeoutMs: 60_000 };
}

const request: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: false,
  metadata: {},
  vendorOptions: {},
};

describe('planCandidates', () => {
  it('plans each model once, however often the fallbacks name it', () => {
    const table = new ModelTable([route('m', ['other', 'm', 'other']), route('other')]);
    expect(planCandidates(table, request, 'openai-chat').map((planned) => planned.model)).toEqual([
      'm',
      'other',
    ]);
  });
});
