export { bedrockModelId, geographyOfRegion } from './bedrock-profile.js';
export { Catalog, type ProviderDescription } from './catalog.js';
export { type CatalogFile, catalogFileSchema, HOST_KINDS } from './catalog-schema.js';
export type * from './catalog-types.js';
export { computeCost, formatCostUsd } from './compute-cost.js';
export { CATALOG_FILE, CatalogError, loadCatalog, parseCatalog } from './load-catalog.js';
