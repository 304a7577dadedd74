import type { TokenPrice } from '../catalog/index.js';
import type { AttemptTarget, ContinuationStyle } from '../providers/index.js';
import type { AdaptiveFirstToken } from './first-token-limit.js';
import type { AutoChoice, ModelCapabilities } from './model-facts.js';
import type { HedgingOptions } from './run-attempts.js';

/**
 * How a model's deployments are ranked before health reorders them: `priority` in config order,
 * `weighted` by their weights (smooth weighted round-robin), `least-latency` fastest first.
 */
export type RoutingStrategy = 'priority' | 'weighted' | 'least-latency' | 'cost';

/** One way to serve a model: (provider, upstream model id). The unit of health and routing. */
export interface Deployment extends AttemptTarget {
  /** The Detour model name this deployment serves. */
  modelName: string;
  /** Relative share under the `weighted` strategy; 1 when absent. */
  weight?: number;
  /**
   * The model's context window at this host, in tokens (catalog, or the config's override); unknown
   * when absent. A prompt estimated over it is not sent here (DESIGN.md section 6, "Context window").
   */
  contextWindow?: number;
  /** The most output tokens one answer may have here (catalog); budgets reserve it when a request sets no `max_tokens`. */
  maxOutput?: number;
  /** What this host charges for the model, when known; `auto` models with `prefer: cost` rank by it. */
  price?: TokenPrice;
  /**
   * How this host continues a partial answer it is given (stream recovery): in which prefill
   * dialect; absent when it takes no prefill, so a continuation replays the request instead.
   */
  prefill?: Exclude<ContinuationStyle, 'replay'>;
  /**
   * Set when streamed attempts here may be abandoned sooner than `timeouts.firstTokenMs`, at a
   * limit learned from the deployment's own times to first token ({@link firstTokenLimitOf}).
   */
  adaptiveFirstToken?: AdaptiveFirstToken;
}

/** A model as clients see it: its deployments in priority order and its fallback models. */
export interface ModelRoute {
  /** The name clients ask for. */
  name: string;
  /** Deployments in config order. */
  deployments: Deployment[];
  /** How its deployments are ranked. */
  strategy: RoutingStrategy;
  /** Other models to try after every deployment of this one, in order. */
  fallbacks: string[];
  /** The whole request's deadline, in milliseconds. */
  totalTimeoutMs: number;
  /** Optional description for `/v1/models`. */
  description?: string;
  /** What the model can do, when known (catalog); `auto` models choose among candidates by it. */
  capabilities?: ModelCapabilities;
  /**
   * Set for an `auto` model: no deployments of its own; each request is routed among these
   * candidate models (DESIGN.md section 10).
   */
  auto?: AutoChoice;
  /** The request log keeps this model's bodies (redacted). */
  logBodies?: boolean;
  /** A stream that breaks after content goes on from another candidate (config `streams.recovery: continue`). */
  recovery?: { acrossModels: boolean };
  /** Opt-in hedging (config `models.<name>.hedging`). */
  hedging?: HedgingOptions;
}

/** The configured models, looked up by name. */
export class ModelTable {
  private readonly routes: Map<string, ModelRoute>;

  constructor(routes: Iterable<ModelRoute>) {
    this.routes = new Map([...routes].map((route) => [route.name, route]));
  }

  /** The route of a model, or undefined when no such model is configured. */
  get(name: string): ModelRoute | undefined {
    return this.routes.get(name);
  }

  /** Every configured model, in config order. */
  list(): ModelRoute[] {
    return [...this.routes.values()];
  }
}
