import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Catalog } from './catalog.js';
import { type CatalogFile, catalogFileSchema } from './catalog-schema.js';
import type { CatalogHost, CatalogModel } from './catalog-types.js';

/**
 * The catalog file shipped with Detour. Read relative to this module, so it is found both from
 * `src/` (tests, tsx) and from `dist/` (the build copies it there).
 */
export const CATALOG_FILE = fileURLToPath(new URL('./models.yaml', import.meta.url));

/** The catalog file is not valid; `message` lists every problem as `path: message`. */
export class CatalogError extends Error {
  constructor(file: string, problems: readonly string[]) {
    super(`${file}: invalid model catalog\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.name = 'CatalogError';
  }
}

/** Validates catalog YAML text; `file` names it in errors. @throws CatalogError */
export function parseCatalog(text: string, file: string): Catalog {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new CatalogError(file, [error instanceof Error ? error.message : String(error)]);
  }
  const parsed = catalogFileSchema.safeParse(document);
  if (!parsed.success) {
    throw new CatalogError(
      file,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`),
    );
  }
  return toCatalog(parsed.data);
}

function toCatalog(file: CatalogFile): Catalog {
  const hosts: CatalogHost[] = Object.entries(file.hosts).map(([name, host]) => {
    const entry: CatalogHost = { name, kind: host.kind };
    if (host.baseUrl !== undefined) entry.baseUrl = host.baseUrl;
    return entry;
  });
  const models: CatalogModel[] = file.models.map((model) => {
    const entry: CatalogModel = { ...model };
    if (model.notes === undefined) delete entry.notes;
    return entry;
  });
  return new Catalog(models, hosts);
}

let shipped: Catalog | undefined;

/**
 * Loads and validates a catalog file; without a path, the one shipped with Detour (read once,
 * then shared: it does not change while Detour runs).
 * @throws CatalogError when the file is invalid.
 */
export function loadCatalog(path?: string): Catalog {
  if (path === undefined) {
    shipped ??= parseCatalog(readFileSync(CATALOG_FILE, 'utf8'), CATALOG_FILE);
    return shipped;
  }
  return parseCatalog(readFileSync(path, 'utf8'), path);
}
