import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Catalog, type CatalogModel, loadCatalog, type TokenPrice } from '../catalog/index.js';
import { ConfigError, type DetourConfig, loadConfigFile, parseConfig } from '../config/index.js';
import { catalogExpander } from '../server/index.js';
import { detectVendorHosts, vendorConfigYaml } from './zero-config.js';

/** One row of `detour models`. */
export interface ModelRow {
  name: string;
  vendor: string;
  family: string;
  contextWindow: number;
  maxOutput: number;
  price: TokenPrice;
  /** Catalog hosts that serve it. */
  hosts: string[];
  /** Configured providers that serve it (empty: not configured). */
  configuredOn: string[];
  pricesAsOf: string;
  source: string;
  verified: boolean;
}

/** The catalog's models, each with the providers of `config` that serve it. */
export function describeModels(catalog: Catalog, config: DetourConfig | undefined): ModelRow[] {
  return catalog.list().map((model: CatalogModel) => ({
    name: model.name,
    vendor: model.vendor,
    family: model.family,
    contextWindow: model.contextWindow,
    maxOutput: model.maxOutput,
    price: model.price,
    hosts: Object.keys(model.ids),
    configuredOn: [
      ...new Set(config?.models[model.name]?.deployments.map((deployment) => deployment.provider)),
    ],
    pricesAsOf: model.pricesAsOf,
    source: model.source,
    verified: model.verified,
  }));
}

function formatTokens(count: number): string {
  return count >= 1_000_000 ? `${Number((count / 1_000_000).toFixed(2))}M` : `${Math.round(count / 1000)}k`;
}

/** The rows as a plain, aligned text table. */
export function formatModelsTable(rows: readonly ModelRow[]): string {
  const header = ['MODEL', 'VENDOR', 'CONTEXT', 'IN $/M', 'OUT $/M', 'HOSTS', 'CONFIGURED ON'];
  const cells = rows.map((row) => [
    row.name,
    row.vendor,
    formatTokens(row.contextWindow),
    String(row.price.input),
    String(row.price.output),
    row.hosts.join(','),
    row.configuredOn.length === 0 ? '-' : row.configuredOn.join(','),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((cell) => cell[column]?.length ?? 0)),
  );
  const line = (values: readonly string[]) =>
    values
      .map((value, column) => value.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

/** What `detour models` reads its configuration from, and the config itself. */
async function configuredModels(
  path: string | undefined,
  env: NodeJS.ProcessEnv,
  catalog: Catalog,
): Promise<{ origin: string; config: DetourConfig | undefined }> {
  const expand = catalogExpander(catalog, env);
  const defaultPath = resolve('detour.yaml');
  const file = path ?? (existsSync(defaultPath) ? defaultPath : undefined);
  if (file !== undefined) return { origin: file, config: await loadConfigFile(file, env, { expand }) };
  const vendors = detectVendorHosts(env);
  if (vendors.hosts.length === 0)
    return { origin: 'none (no config file, no vendor keys)', config: undefined };
  return {
    origin: 'hosts from the environment (no config file)',
    config: parseConfig(vendorConfigYaml(vendors.hosts, catalog), '<built-in vendor config>', env, {
      expand,
    }),
  };
}

/** `detour models [--config FILE] [--json]`: the catalog, and which of its models are configured where. */
export async function runModels(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, json: { type: 'boolean' } },
  });
  const catalog = loadCatalog();
  let configured: { origin: string; config: DetourConfig | undefined };
  try {
    configured = await configuredModels(values.config, env, catalog);
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.toString() : String(error)}\n`);
    return 1;
  }
  const rows = describeModels(catalog, configured.config);
  if (values.json) {
    write(`${JSON.stringify({ configuredFrom: configured.origin, models: rows }, null, 2)}\n`);
    return 0;
  }
  const count = rows.filter((row) => row.configuredOn.length > 0).length;
  write(formatModelsTable(rows));
  write(`\n${rows.length} models in the catalog, ${count} configured (from ${configured.origin}).\n`);
  write("Prices in USD per million tokens; each entry's date and source: detour models --json.\n");
  return 0;
}
