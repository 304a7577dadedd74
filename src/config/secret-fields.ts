import type { ConfigPath } from './config-path.js';

/** Provider fields that hold credentials (Bedrock's key id too: it names the account). */
const PROVIDER_SECRET_FIELDS = new Set([
  'apiKey',
  'headers',
  'accessKeyId',
  'secretAccessKey',
  'sessionToken',
]);

/**
 * Whether a path holds a secret: the admin key, a provider's API key or header values, the
 * Postgres and Redis URLs (which may carry a password), a webhook's URL and signing secret. Such values are never echoed or logged.
 */
export function isSecretPath(path: ConfigPath): boolean {
  const [section, , field] = path;
  if (section === 'server') return path[1] === 'adminKey';
  if (section === 'providers') return typeof field === 'string' && PROVIDER_SECRET_FIELDS.has(field);
  if (section === 'store') return path[1] === 'postgres';
  if (section === 'state') return path[1] === 'redis';
  // A webhook URL may carry a token (Slack's do), and its signing secret is one.
  if (section === 'webhooks') return field === 'url' || field === 'secret';
  // A collector's headers carry its API key.
  if (section === 'telemetry') return path[1] === 'otlp' && path[2] === 'headers';
  return false;
}

const MIN_SCRUBBED_LENGTH = 4;

/** The path cut just after its first secret field, so nothing written inside a secret is shown. */
export function cutAtSecret(path: ConfigPath): ConfigPath {
  for (let length = 1; length <= path.length; length += 1) {
    if (isSecretPath(path.slice(0, length))) return path.slice(0, length);
  }
  return path;
}

/** Every secret string in a raw (or validated) config document, for scrubbing messages. */
export function collectSecretValues(document: unknown): string[] {
  const secrets: string[] = [];
  collect(document, [], secrets);
  // Scrubbing a one- or two-letter value would mangle every message and hide nothing.
  return secrets.filter((secret) => secret.length >= MIN_SCRUBBED_LENGTH);
}

function collect(value: unknown, path: ConfigPath, secrets: string[]): void {
  if (typeof value === 'string') {
    if (isSecretPath(path)) secrets.push(value);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      collect(item, [...path, index], secrets);
    });
    return;
  }
  for (const [key, item] of Object.entries(value)) collect(item, [...path, key], secrets);
}

/** Replaces every occurrence of a secret in a message with `***`. */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let scrubbed = message;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('***');
  return scrubbed;
}
