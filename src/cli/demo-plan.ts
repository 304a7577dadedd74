import { type ScenarioStep, SIM_BEDROCK_API_KEY } from '../sim/index.js';

/** The two models of the demo: one vendor (Anthropic), each also served by a cloud (Bedrock). */
export const DEMO_MODELS = [
  {
    name: 'claude-sonnet-4.5',
    vendorId: 'claude-sonnet-4-5',
    cloudId: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  },
  {
    name: 'claude-haiku-4.5',
    vendorId: 'claude-haiku-4-5',
    cloudId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
  },
] as const;

/** Simulator host names: the vendor's own API and the cloud. */
export const DEMO_HOSTS = { vendor: 'anthropic', cloud: 'bedrock' } as const;

/** The key the demo's users send straight to the simulated vendor (any key it does not refuse). */
export const DEMO_VENDOR_KEY = 'sim-demo-key';

/** When things happen in a demo of a given length, and the timings Detour runs with. */
export interface DemoPlan {
  durationMs: number;
  /** The vendor host starts failing (SCENARIOS.md 16: 40 % 529, 20 % 500 on both models). */
  faultStartMs: number;
  /** The vendor host is healthy again. */
  faultEndMs: number;
  /** Requests per second on each path (straight to the vendor, and through Detour). */
  rps: number;
  /** `status.incidentAfter`: how long trouble lasts before an incident opens. */
  incidentAfterMs: number;
  /** `status.resolveAfter`: how long quiet lasts before the incident resolves. */
  resolveAfterMs: number;
  /** `health.demotion.window` and `health.ejection.window`. */
  windowMs: number;
  /** `health.ejection.baseTime`. */
  ejectionMs: number;
}

/**
 * Scales the phases to the duration: healthy for the first 10 %, the outage until 65 %, then
 * recovered. Detour's production timings (2 min before an incident, 60 s windows, 30 s ejections)
 * are sized for hours-long outages; the demo shrinks them in proportion so the whole lifecycle —
 * demotion, ejection, incident, recovery, resolution — fits in the run.
 */
export function planDemo(durationMs: number, rps: number): DemoPlan {
  const share = (fraction: number, floor: number) => Math.max(floor, Math.round(durationMs * fraction));
  return {
    durationMs,
    faultStartMs: share(0.1, 1_000),
    faultEndMs: share(0.65, 5_000),
    rps,
    incidentAfterMs: share(0.1, 1_000),
    resolveAfterMs: share(0.15, 3_000),
    windowMs: share(0.25, 5_000),
    ejectionMs: share(0.04, 500),
  };
}

/** The simulator timeline of the outage: both models on the vendor host, cleared at the end. */
export function demoScenario(plan: DemoPlan): ScenarioStep[] {
  const span = { at: plan.faultStartMs, for: plan.faultEndMs - plan.faultStartMs };
  return DEMO_MODELS.flatMap((model) => [
    {
      ...span,
      host: DEMO_HOSTS.vendor,
      model: model.vendorId,
      fault: { type: 'status', status: 529 },
      probability: 0.4,
    },
    {
      ...span,
      host: DEMO_HOSTS.vendor,
      model: model.vendorId,
      fault: { type: 'status', status: 500 },
      probability: 0.2,
    },
  ]);
}

const ms = (value: number) => `${Math.round(value)}ms`;

/** Detour's config for the demo: the two models on the vendor first, the cloud second. */
export function demoConfigYaml(simUrl: string, adminKey: string, plan: DemoPlan): string {
  const models = DEMO_MODELS.map(
    (model) => `  ${model.name}:
    deployments:
      - { provider: ${DEMO_HOSTS.vendor}, model: ${model.vendorId} }
      - { provider: ${DEMO_HOSTS.cloud}, model: '${model.cloudId}' }`,
  ).join('\n');
  return `server: { adminKey: ${adminKey} }
auth: { mode: off }
providers:
  ${DEMO_HOSTS.vendor}: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/${DEMO_HOSTS.vendor}, apiKey: ${DEMO_VENDOR_KEY} }
  ${DEMO_HOSTS.cloud}: { protocol: bedrock, region: us-east-1, baseUrl: ${simUrl}/hosts/${DEMO_HOSTS.cloud}, apiKey: ${SIM_BEDROCK_API_KEY} }
models:
${models}
retry: { backoffBase: 5ms, backoffMax: 50ms }
health:
  demotion: { minRequests: 5, window: ${ms(plan.windowMs)} }
  ejection: { minRequests: 10, window: ${ms(plan.windowMs)}, baseTime: ${ms(plan.ejectionMs)}, maxTime: ${ms(plan.ejectionMs * 4)}, decayInterval: ${ms(plan.ejectionMs * 2)} }
  halfOpen: { probeAfter: 500ms }
  ramp: [ { after: 0ms, weight: 0.1 }, { after: ${ms(plan.ejectionMs)}, weight: 0.5 }, { after: ${ms(plan.ejectionMs * 2)}, weight: 1 } ]
  probes: { interval: 250ms, healthCheck: ${ms(plan.ejectionMs)} }
status:
  interval: 250ms
  enterAfter: ${ms(plan.incidentAfterMs / 2)}
  leaveAfter: ${ms(plan.resolveAfterMs)}
  incidentAfter: ${ms(plan.incidentAfterMs)}
  resolveAfter: ${ms(plan.resolveAfterMs)}
`;
}
