import { splitBaseUrl } from '../base-url.js';

/** Config of an Amazon Bedrock runtime host (`protocol: bedrock`), as the config file gives it. */
export interface BedrockSettings {
  protocol: 'bedrock';
  /** AWS region, e.g. `us-east-1`; else `AWS_REGION`. */
  region?: string | undefined;
  /** Overrides `https://bedrock-runtime.{region}.amazonaws.com` (a VPC endpoint, a proxy, the simulator). */
  baseUrl?: string | undefined;
  /** SigV4 access key id; else `AWS_ACCESS_KEY_ID`. Never logged or returned. */
  accessKeyId?: string | undefined;
  /** SigV4 secret; else `AWS_SECRET_ACCESS_KEY`. Never logged or returned. */
  secretAccessKey?: string | undefined;
  /** Session token of temporary credentials; else `AWS_SESSION_TOKEN`. Never logged or returned. */
  sessionToken?: string | undefined;
  /** A Bedrock API key, sent as `Authorization: Bearer` instead of signing. Never logged or returned. */
  apiKey?: string | undefined;
  /** Extra headers sent (and signed) on every request. */
  headers?: Record<string, string> | undefined;
}

/** The environment variables a Bedrock host reads, as `process.env` has them. */
export type BedrockEnvironment = Readonly<Record<string, string | undefined>>;

/** SigV4 credentials. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** How requests prove who sends them. */
export type BedrockAuth =
  | { type: 'sigv4'; region: string; credentials: AwsCredentials }
  | { type: 'bearer'; token: string };

/** A Bedrock host's settings with the environment applied and checked. */
export interface ResolvedBedrockSettings {
  /** Scheme, host and port the transport dials. */
  origin: string;
  /** Path prefix of every operation (empty for AWS's own endpoint). */
  basePath: string;
  /** Signing or bearer auth. */
  auth: BedrockAuth;
  /** Extra headers, names lower-cased so that each is sent and signed once. */
  headers: Record<string, string>;
}

/**
 * Applies the standard AWS environment to a Bedrock provider's config, the way the AWS SDK does:
 * each field from the config first, else `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
 * and `AWS_SESSION_TOKEN`. Keys from the config and from the environment are never mixed: a config
 * key id takes the config's session token (or none), since a token only fits the key it came with.
 * Throws when the host cannot be reached or signed for; messages name the provider and the
 * missing setting, never a value.
 */
export function resolveBedrockSettings(
  name: string,
  settings: BedrockSettings,
  env: BedrockEnvironment,
): ResolvedBedrockSettings {
  const region = settings.region ?? nonEmpty(env.AWS_REGION);
  let origin: string;
  let basePath = '';
  if (settings.baseUrl !== undefined) {
    ({ origin, basePath } = splitBaseUrl(settings.baseUrl));
  } else if (region !== undefined) {
    origin = `https://bedrock-runtime.${region}.amazonaws.com`;
  } else {
    throw missingRegion(name);
  }
  const headers: Record<string, string> = {};
  for (const [header, value] of Object.entries(settings.headers ?? {})) headers[header.toLowerCase()] = value;
  if (settings.apiKey !== undefined) {
    return { origin, basePath, headers, auth: { type: 'bearer', token: settings.apiKey } };
  }
  // SigV4's credential scope names the region even when the endpoint is overridden.
  if (region === undefined) throw missingRegion(name);
  return {
    origin,
    basePath,
    headers,
    auth: { type: 'sigv4', region, credentials: credentialsOf(name, settings, env) },
  };
}

function credentialsOf(name: string, settings: BedrockSettings, env: BedrockEnvironment): AwsCredentials {
  const fromConfig = settings.accessKeyId !== undefined || settings.secretAccessKey !== undefined;
  const accessKeyId = fromConfig ? settings.accessKeyId : nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = fromConfig ? settings.secretAccessKey : nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = fromConfig ? settings.sessionToken : nonEmpty(env.AWS_SESSION_TOKEN);
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const missing = accessKeyId === undefined ? 'an access key id' : 'a secret access key';
    const where = fromConfig
      ? 'accessKeyId and secretAccessKey go together in its config'
      : 'set accessKeyId and secretAccessKey (or apiKey) in its config, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment';
    throw new Error(`provider ${name} (bedrock): no credentials: ${missing} is missing; ${where}`);
  }
  return sessionToken === undefined
    ? { accessKeyId, secretAccessKey }
    : { accessKeyId, secretAccessKey, sessionToken };
}

function missingRegion(name: string): Error {
  return new Error(
    `provider ${name} (bedrock): no AWS region: set region in its config or AWS_REGION in the environment`,
  );
}

/** An environment variable that is set to something: `AWS_REGION=` (empty) counts as unset. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
