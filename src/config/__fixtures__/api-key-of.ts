import type { ProviderConfig } from '../detour-config.js';

/** The `apiKey` of a provider of any kind (Vertex has none), for tests. */
export function apiKeyOf(provider: ProviderConfig | undefined): string | undefined {
  return provider !== undefined && 'apiKey' in provider ? provider.apiKey : undefined;
}
