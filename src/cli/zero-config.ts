// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the generated YAML holds ${NAME} references, resolved when the config loads
import { readFileSync } from 'node:fs';
import { type Catalog, loadCatalog } from '../catalog/index.js';
import { type ProviderProtocol, SUPPORTED_PROTOCOLS } from '../config/index.js';
import { ZERO_CONFIG_HOSTS, type ZeroConfigHost } from './zero-config-models.js';

/**
 * The config `detour start` uses when it finds no config file: the hosts whose credentials are in
 * the environment, with the same model on several hosts where several serve it, or else the
 * built-in simulator so a new user can send a request at once.
 *
 * Credentials are written as `${NAME}` references, never as values: the generated YAML can be
 * shown or saved, and the config loader resolves and guards them like any config file's.
 */

/** A host found in the environment: its provider line and the variables it was configured from. */
export interface DetectedHost {
  /** The host, also its provider name. */
  host: ZeroConfigHost;
  /** The provider's YAML flow map. */
  provider: string;
  /** The environment variables it was configured from (names only, for the start log). */
  variables: string[];
  /** Bedrock: its region, which decides the inference profile prefix of each model id. */
  region?: string;
}

/** What the environment offers: the hosts to configure, and why a half-set one was left out. */
export interface VendorEnvironment {
  /** Hosts to configure, in {@link ZERO_CONFIG_HOSTS} order. */
  hosts: DetectedHost[];
  /** Hosts whose variables are only partly set, each with the reason (no values). */
  skipped: string[];
}

/** Reads a file as text; injected so tests need no real credentials file. */
export type ReadTextFile = (path: string) => string;

const readUtf8: ReadTextFile = (path) => readFileSync(path, 'utf8');

/** The provider kind (`protocol:`) of each host. */
const PROTOCOL_OF: Readonly<Record<ZeroConfigHost, ProviderProtocol>> = {
  openai: 'openai-chat',
  azure: 'azure-openai',
  anthropic: 'anthropic-messages',
  bedrock: 'bedrock',
  gemini: 'gemini',
  vertex: 'vertex',
};

/** Options of {@link detectVendorHosts}. */
export interface DetectOptions {
  /** Reads the Vertex service-account file (default: from disk). */
  readFile?: ReadTextFile;
  /**
   * The provider kinds this build can reach (default {@link SUPPORTED_PROTOCOLS}): a host of
   * another kind is skipped with a note rather than turned into a config that cannot load.
   */
  protocols?: readonly ProviderProtocol[];
}

function isSet(env: NodeJS.ProcessEnv, name: string): boolean {
  return (env[name] ?? '') !== '';
}

/** A YAML scalar that cannot be misread, whatever it holds (`@`, `:`, a leading digit). */
function quoted(value: string): string {
  return JSON.stringify(value);
}

/** Azure's v1 endpoint takes no api-version (the config refuses one there). */
const AZURE_V1_ENDPOINT = /\/openai\/v1\/*$/;

/** Google Cloud project ids: 6–30 lowercase letters, digits and hyphens, starting with a letter. */
const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

type Detector = (
  env: NodeJS.ProcessEnv,
  readFile: ReadTextFile,
  skipped: string[],
) => DetectedHost | undefined;

function detectOpenai(env: NodeJS.ProcessEnv): DetectedHost | undefined {
  if (!isSet(env, 'OPENAI_API_KEY')) return undefined;
  return {
    host: 'openai',
    provider: '{ protocol: openai-chat, baseUrl: https://api.openai.com/v1, apiKey: ${OPENAI_API_KEY} }',
    variables: ['OPENAI_API_KEY'],
  };
}

function detectAzure(
  env: NodeJS.ProcessEnv,
  _readFile: ReadTextFile,
  skipped: string[],
): DetectedHost | undefined {
  const hasKey = isSet(env, 'AZURE_OPENAI_API_KEY');
  const hasEndpoint = isSet(env, 'AZURE_OPENAI_ENDPOINT');
  if (!hasKey && !hasEndpoint) return undefined;
  if (!hasKey || !hasEndpoint) {
    skipped.push(
      `azure: set both AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT (only ${hasKey ? 'the key' : 'the endpoint'} is set)`,
    );
    return undefined;
  }
  const variables = ['AZURE_OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT'];
  let version = '';
  if (isSet(env, 'OPENAI_API_VERSION') && !AZURE_V1_ENDPOINT.test(env.AZURE_OPENAI_ENDPOINT ?? '')) {
    version = ', apiVersion: ${OPENAI_API_VERSION}';
    variables.push('OPENAI_API_VERSION');
  }
  return {
    host: 'azure',
    provider: `{ protocol: azure-openai, baseUrl: \${AZURE_OPENAI_ENDPOINT}, apiKey: \${AZURE_OPENAI_API_KEY}${version} }`,
    variables,
  };
}

function detectAnthropic(env: NodeJS.ProcessEnv): DetectedHost | undefined {
  if (!isSet(env, 'ANTHROPIC_API_KEY')) return undefined;
  return {
    host: 'anthropic',
    provider:
      '{ protocol: anthropic-messages, baseUrl: https://api.anthropic.com, apiKey: ${ANTHROPIC_API_KEY} }',
    variables: ['ANTHROPIC_API_KEY'],
  };
}

function detectBedrock(
  env: NodeJS.ProcessEnv,
  _readFile: ReadTextFile,
  skipped: string[],
): DetectedHost | undefined {
  const hasToken = isSet(env, 'AWS_BEARER_TOKEN_BEDROCK');
  const hasKeyId = isSet(env, 'AWS_ACCESS_KEY_ID');
  const hasSecret = isSet(env, 'AWS_SECRET_ACCESS_KEY');
  if (!hasToken && !hasKeyId && !hasSecret) return undefined;
  if (!hasToken && hasKeyId !== hasSecret) {
    skipped.push(
      'bedrock: set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_BEARER_TOKEN_BEDROCK',
    );
    return undefined;
  }
  // AWS_REGION is what the AWS SDKs read; AWS_DEFAULT_REGION is what the AWS CLI's users often set.
  const regionVariable = ['AWS_REGION', 'AWS_DEFAULT_REGION'].find((name) => isSet(env, name));
  const region = regionVariable === undefined ? 'us-east-1' : (env[regionVariable] ?? 'us-east-1');
  // A Bedrock API key wins over access keys when both are set, as in the AWS SDKs.
  const variables = hasToken ? ['AWS_BEARER_TOKEN_BEDROCK'] : ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  let credentials = hasToken
    ? 'apiKey: ${AWS_BEARER_TOKEN_BEDROCK}'
    : 'accessKeyId: ${AWS_ACCESS_KEY_ID}, secretAccessKey: ${AWS_SECRET_ACCESS_KEY}';
  if (!hasToken && isSet(env, 'AWS_SESSION_TOKEN')) {
    credentials += ', sessionToken: ${AWS_SESSION_TOKEN}';
    variables.push('AWS_SESSION_TOKEN');
  }
  if (regionVariable !== undefined) variables.push(regionVariable);
  return {
    host: 'bedrock',
    provider: `{ protocol: bedrock, region: ${quoted(region)}, ${credentials} }`,
    variables,
    region,
  };
}

/** The service-account file's `type` and `project_id`, or why it cannot be used. */
function readServiceAccount(
  path: string,
  readFile: ReadTextFile,
): { projectId?: string } | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch {
    return { problem: 'the GOOGLE_APPLICATION_CREDENTIALS file cannot be read as JSON' };
  }
  const file = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  // User credentials from `gcloud auth application-default login` have no private key to sign with.
  if (file.type !== 'service_account') {
    return { problem: 'the GOOGLE_APPLICATION_CREDENTIALS file is not a service-account key' };
  }
  return typeof file.project_id === 'string' ? { projectId: file.project_id } : {};
}

function detectVertex(
  env: NodeJS.ProcessEnv,
  readFile: ReadTextFile,
  skipped: string[],
): DetectedHost | undefined {
  if (!isSet(env, 'GOOGLE_APPLICATION_CREDENTIALS')) return undefined;
  const account = readServiceAccount(env.GOOGLE_APPLICATION_CREDENTIALS ?? '', readFile);
  if ('problem' in account) {
    skipped.push(`vertex: ${account.problem}`);
    return undefined;
  }
  const variables = ['GOOGLE_APPLICATION_CREDENTIALS'];
  let project: string;
  if (isSet(env, 'GOOGLE_CLOUD_PROJECT')) {
    project = '${GOOGLE_CLOUD_PROJECT}';
    variables.push('GOOGLE_CLOUD_PROJECT');
  } else if (account.projectId !== undefined && GCP_PROJECT_ID.test(account.projectId)) {
    project = quoted(account.projectId);
  } else {
    skipped.push('vertex: no project (set GOOGLE_CLOUD_PROJECT; the credentials file names none)');
    return undefined;
  }
  if (isSet(env, 'GOOGLE_CLOUD_LOCATION')) variables.push('GOOGLE_CLOUD_LOCATION');
  return {
    host: 'vertex',
    provider: `{ protocol: vertex, project: ${project}, region: \${GOOGLE_CLOUD_LOCATION:-global}, credentials: \${GOOGLE_APPLICATION_CREDENTIALS} }`,
    variables,
  };
}

function detectGemini(env: NodeJS.ProcessEnv): DetectedHost | undefined {
  const variable = ['GEMINI_API_KEY', 'GOOGLE_API_KEY'].find((name) => isSet(env, name));
  if (variable === undefined) return undefined;
  return {
    host: 'gemini',
    provider: `{ protocol: gemini, baseUrl: https://generativelanguage.googleapis.com, apiKey: \${${variable}} }`,
    variables: [variable],
  };
}

const DETECTORS: Readonly<Record<ZeroConfigHost, Detector>> = {
  openai: detectOpenai,
  azure: detectAzure,
  anthropic: detectAnthropic,
  bedrock: detectBedrock,
  gemini: detectGemini,
  vertex: detectVertex,
};

/**
 * Which hosts the environment's credentials reach. Nothing here reads a credential's value, only
 * whether it is set; the Vertex service-account file is read for its type and project id.
 */
export function detectVendorHosts(env: NodeJS.ProcessEnv, options: DetectOptions = {}): VendorEnvironment {
  const readFile = options.readFile ?? readUtf8;
  const protocols = options.protocols ?? SUPPORTED_PROTOCOLS;
  const hosts: DetectedHost[] = [];
  const skipped: string[] = [];
  for (const host of ZERO_CONFIG_HOSTS) {
    const detected = DETECTORS[host](env, readFile, skipped);
    if (detected === undefined) continue;
    if (protocols.includes(PROTOCOL_OF[host])) hosts.push(detected);
    else
      skipped.push(
        `${host}: this build of Detour cannot reach ${host} hosts yet (protocol ${PROTOCOL_OF[host]})`,
      );
  }
  return { hosts, skipped };
}

/**
 * YAML for the detected hosts: their providers, and every model of the catalog that at least one
 * of them serves, with one deployment per serving host in {@link ZERO_CONFIG_HOSTS} order and the
 * catalog's id at each (Bedrock's with the inference profile its region needs).
 */
export function vendorConfigYaml(hosts: readonly DetectedHost[], catalog: Catalog = loadCatalog()): string {
  const lines = [
    '# Hosts configured from the environment (no config file). Save this as detour.yaml to edit it.',
    SANDBOX_AUTH,
    'providers:',
  ];
  for (const host of hosts) lines.push(`  ${host.host}: ${host.provider}`);
  lines.push('models:');
  for (const model of catalog.list()) {
    const deployments = hosts.flatMap((host) => {
      // Zero-config host names are the catalog's host names.
      const id = catalog.idAt(model.name, host.host, host.region);
      return id === undefined ? [] : [`      - { provider: ${host.host}, model: ${quoted(id)} }`];
    });
    if (deployments.length === 0) continue;
    lines.push(`  ${quoted(model.name)}:`, '    deployments:', ...deployments);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Without a config file Detour is a sandbox: open, on loopback only (the server refuses to listen
 * elsewhere open without `--insecure-open`). A config file requires client keys unless it says so.
 */
const SANDBOX_AUTH =
  'auth: { mode: off }   # sandbox: no client keys asked for; write a config file to require them';

/** One line per host for the start log: which variables configured it (names, never values). */
export function describeVendorHosts(hosts: readonly DetectedHost[]): string[] {
  return hosts.map((host) => `${host.host} from ${host.variables.join(', ')}`);
}

/**
 * YAML for the built-in simulator at `simUrl`: three simulated hosts and a few models with two
 * deployments each, one of them served across protocols, so failover can be tried at once.
 */
export function simulatorConfigYaml(simUrl: string): string {
  return `# Built-in simulated providers (no vendor keys were set). Save this as detour.yaml to edit it.
${SANDBOX_AUTH}
providers:
  sim-openai:    { protocol: openai-chat,        baseUrl: ${simUrl}/hosts/sim-openai/v1 }
  sim-cloud:     { protocol: openai-chat,        baseUrl: ${simUrl}/hosts/sim-cloud/v1 }
  sim-anthropic: { protocol: anthropic-messages, baseUrl: ${simUrl}/hosts/sim-anthropic }
models:
  gpt-5:
    deployments:
      - { provider: sim-openai, model: gpt-5 }
      - { provider: sim-cloud,  model: gpt-5 }
  gpt-5-mini:
    deployments:
      - { provider: sim-openai, model: gpt-5-mini }
      - { provider: sim-cloud,  model: gpt-5-mini }
    fallbacks: [gpt-5]
  claude-sonnet-4.5:
    deployments:
      - { provider: sim-anthropic, model: claude-sonnet-4-5 }
      - { provider: sim-cloud,     model: claude-sonnet-4-5 }
`;
}
