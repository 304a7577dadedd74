import type { DetourConfig, TimeoutsConfig } from './detour-config.js';

/** A model's effective timeouts: its own overrides over the global ones, in milliseconds. */
export function resolveModelTimeouts(config: DetourConfig, modelName: string): TimeoutsConfig {
  return { ...config.timeouts, ...config.models[modelName]?.timeouts };
}
