import type { DetourConfig } from './detour-config.js';

/** One model's effective attempt timeouts, in milliseconds. */
export interface ModelTimeouts {
  /** From sending the request to the first content. */
  firstToken: number;
  /** Between two stream chunks. */
  idle: number;
  /** The whole request. */
  total: number;
  /** The adaptive first-token limit's knobs, when it is on (`timeouts.adaptiveFirstToken`). */
  adaptiveFirstToken?: { multiplier: number; floor: number; minSamples: number };
}

/**
 * A model's effective timeouts: its own `timeouts` over the global ones. The first-token limit
 * knows the model (DESIGN.md section 6): a model the catalog marks as reasoning thinks before its
 * first token, so without a limit of its own it gets `timeouts.reasoningFirstToken` (60 s) rather
 * than `timeouts.firstToken` (20 s). `reasoning` is the catalog's `capabilities.reasoning`, unknown
 * (undefined) for a model the catalog does not have.
 */
export function resolveModelTimeouts(
  config: DetourConfig,
  modelName: string,
  reasoning: boolean | undefined,
): ModelTimeouts {
  // Read by name, never spread: a key nothing reads must show up as unread (test/config-keys-read).
  const global = config.timeouts;
  const own = config.models[modelName]?.timeouts;
  const { firstToken, reasoningFirstToken } = global;
  const defaultFirstToken = reasoning === true ? reasoningFirstToken : firstToken;
  const resolved: ModelTimeouts = {
    firstToken: own?.firstToken ?? defaultFirstToken,
    idle: own?.idle ?? global.idle,
    total: own?.total ?? global.total,
  };
  const adaptive = global.adaptiveFirstToken;
  if (adaptive.enabled)
    resolved.adaptiveFirstToken = {
      multiplier: adaptive.multiplier,
      floor: adaptive.floor,
      minSamples: adaptive.minSamples,
    };
  return resolved;
}
