import { describe, expect, it } from 'vitest';
import { bedrockModelId } from './bedrock-profile.js';
import { loadCatalog } from './load-catalog.js';

const catalog = loadCatalog();

describe('Catalog', () => {
  it('gives the id at each host, with the Bedrock profile for the region', () => {
    expect(catalog.idAt('claude-sonnet-4.5', 'anthropic')).toBe('claude-sonnet-4-5');
    expect(catalog.idAt('claude-sonnet-4.5', 'vertex')).toBe('claude-sonnet-4-5@20250929');
    expect(catalog.idAt('claude-sonnet-4.5', 'bedrock', 'eu-west-1')).toBe(
      'eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(catalog.idAt('claude-sonnet-4.5', 'bedrock', 'ap-northeast-1')).toBe(
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(catalog.idAt('nova-pro', 'bedrock', 'us-east-1')).toBe('amazon.nova-pro-v1:0');
    expect(catalog.idAt('claude-sonnet-4.5', 'openai')).toBeUndefined();
    expect(catalog.idAt('no-such-model', 'openai')).toBeUndefined();
  });

  it("prices a model at a host that charges otherwise by that host's price", () => {
    expect(catalog.priceAt('llama-3.3-70b', 'groq')).toEqual({ input: 0.59, output: 0.79 });
    expect(catalog.priceAt('llama-3.3-70b', 'bedrock')).toEqual({ input: 0.72, output: 0.72 });
    expect(catalog.priceAt('llama-3.3-70b', 'openai')).toBeUndefined();
  });

  it('maps a configured provider to its catalog host by kind, base URL or name', () => {
    expect(catalog.hostFor({ name: 'aws', kind: 'bedrock' })?.name).toBe('bedrock');
    expect(
      catalog.hostFor({ name: 'fast', kind: 'openai-chat', baseUrl: 'https://api.groq.com/openai/v1' })?.name,
    ).toBe('groq');
    expect(
      catalog.hostFor({ name: 'together', kind: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' })?.name,
    ).toBe('together');
    expect(
      catalog.hostFor({ name: 'local', kind: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' }),
    ).toBeUndefined();
  });

  it('answers capability and context lookups', () => {
    expect(catalog.capabilitiesOf('o3-mini')?.vision).toBe(false);
    expect(catalog.capabilitiesOf('gpt-4.1')?.tools).toBe(true);
    expect(catalog.contextWindowOf('gpt-4.1')).toBe(1_047_576);
    expect(catalog.maxOutputOf('claude-3.5-haiku')).toBe(8192);
  });
});

describe('bedrockModelId', () => {
  it('uses the base id for on-demand models and the geography otherwise', () => {
    expect(bedrockModelId('a.b-v1:0', [], 'eu-west-1')).toBe('a.b-v1:0');
    expect(bedrockModelId('a.b-v1:0', ['us', 'eu'], 'us-west-2')).toBe('us.a.b-v1:0');
    expect(bedrockModelId('a.b-v1:0', ['us', 'global'], 'sa-east-1')).toBe('global.a.b-v1:0');
  });
});
