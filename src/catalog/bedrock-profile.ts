import type { BedrockGeography } from './catalog-types.js';

/** The inference profile geography of an AWS region (`us-east-1` → `us`), if Bedrock has one for it. */
export function geographyOfRegion(region: string): BedrockGeography | undefined {
  if (/^us-(east|west)-\d+$/.test(region)) return 'us';
  if (/^eu-[a-z]+-\d+$/.test(region)) return 'eu';
  if (/^ap-[a-z]+-\d+$/.test(region)) return 'apac';
  return undefined;
}

/**
 * The id to call a model by on Bedrock in `region`: the base id when the model runs on demand
 * (no profiles), else the base id prefixed with the region's geography when the model has a
 * profile there, else with `global.` when it has a global one. When it has neither, the region
 * cannot reach it; the geography's prefix is used anyway so Bedrock's own error says so.
 */
export function bedrockModelId(
  baseId: string,
  profiles: readonly BedrockGeography[],
  region: string,
): string {
  if (profiles.length === 0) return baseId;
  const geography = geographyOfRegion(region);
  if (geography !== undefined && profiles.includes(geography)) return `${geography}.${baseId}`;
  if (profiles.includes('global')) return `global.${baseId}`;
  return `${geography ?? profiles[0]}.${baseId}`;
}
