import type { DetourConfig, ProviderConfig, StoreConfig } from './detour-config.js';

const REDACTED = '***';

/**
 * A copy of the config that is safe to log or serve from the admin API: the admin key,
 * provider API keys and header values are `***`, and a Postgres URL loses its password.
 */
export function redactConfig(config: DetourConfig): DetourConfig {
  const copy = structuredClone(config);
  if (copy.server.adminKey !== undefined) copy.server.adminKey = REDACTED;
  for (const provider of Object.values(copy.providers)) redactProvider(provider);
  copy.store = redactStore(copy.store);
  return copy;
}

function redactProvider(provider: ProviderConfig): void {
  if ('apiKey' in provider && provider.apiKey !== undefined) provider.apiKey = REDACTED;
  if (provider.protocol === 'bedrock') {
    if (provider.accessKeyId !== undefined) provider.accessKeyId = REDACTED;
    if (provider.secretAccessKey !== undefined) provider.secretAccessKey = REDACTED;
    if (provider.sessionToken !== undefined) provider.sessionToken = REDACTED;
  }
  if (provider.headers !== undefined) {
    for (const name of Object.keys(provider.headers)) provider.headers[name] = REDACTED;
  }
}

function redactStore(store: StoreConfig): StoreConfig {
  if (store.type !== 'postgres') return store;
  try {
    const url = new URL(store.url);
    if (url.password !== '') url.password = REDACTED;
    return { type: 'postgres', url: url.toString() };
  } catch {
    // Not a URL (a libpq keyword string, say): it may hold a password anywhere.
    return { type: 'postgres', url: REDACTED };
  }
}
