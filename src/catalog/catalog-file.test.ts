import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { catalogFileSchema } from './catalog-schema.js';
import { CATALOG_FILE, CatalogError, loadCatalog, parseCatalog } from './load-catalog.js';

const text = readFileSync(CATALOG_FILE, 'utf8');
const VENDORS = ['openai', 'anthropic', 'google', 'meta', 'mistral', 'deepseek', 'amazon', 'xai', 'qwen'];

describe('models.yaml', () => {
  it('passes the catalog schema', () => {
    const result = catalogFileSchema.safeParse(parse(text));
    expect(result.success ? [] : result.error.issues).toEqual([]);
  });

  it('loads 40 or more models from every required vendor', () => {
    const catalog = loadCatalog();
    expect(catalog.list().length).toBeGreaterThanOrEqual(40);
    expect(new Set(catalog.list().map((model) => model.vendor))).toEqual(new Set(VENDORS));
  });

  it('gives every model positive prices, a source URL and a date', () => {
    for (const model of loadCatalog().list()) {
      const prices = [model.price, ...Object.values(model.hostPrices)];
      for (const price of prices) {
        for (const value of Object.values(price)) expect(value, model.name).toBeGreaterThan(0);
      }
      expect(model.source, model.name).toMatch(/^https:\/\//);
      expect(Number.isNaN(Date.parse(model.pricesAsOf)), model.name).toBe(false);
      expect(model.contextWindow, model.name).toBeGreaterThanOrEqual(model.maxOutput);
    }
  });

  it('has unique ids at each host', () => {
    const seen = new Map<string, string>();
    for (const model of loadCatalog().list()) {
      for (const [host, id] of Object.entries(model.ids)) {
        const key = `${host} ${id}`;
        expect(seen.get(key), key).toBeUndefined();
        seen.set(key, model.name);
      }
    }
  });

  it('says why, in notes, wherever a figure is unverified', () => {
    for (const model of loadCatalog().list()) {
      if (!model.verified) expect(model.notes, model.name).toBeDefined();
    }
  });
});

describe('parseCatalog', () => {
  const host = 'hosts: { openai: { kind: openai-chat, baseUrl: https://api.openai.com/v1 } }\n';
  const model = (overrides: string) => `
  - name: m1
    family: f
    vendor: openai
    contextWindow: 1000
    maxOutput: 100
    modalities: { input: [text], output: [text] }
    capabilities: { tools: true, parallelTools: true, jsonSchema: true, vision: false, reasoning: false, prefill: false }
    price: { input: 1, output: 2 }
    ids: { openai: m1 }
    pricesAsOf: 2026-11-30
    source: https://example.com/pricing
    verified: true
${overrides}`;

  it('refuses a zero price, naming the field', () => {
    const bad = `${host}models:${model('').replace('input: 1,', 'input: 0,')}`;
    expect(() => parseCatalog(bad, 'x.yaml')).toThrow(/models\.0\.price\.input/);
  });

  it('refuses an id used by two models at one host', () => {
    const twice = `${host}models:${model('')}${model('').replace('name: m1', 'name: m2')}`;
    expect(() => parseCatalog(twice, 'x.yaml')).toThrow(/id m1 at openai is also m1's/);
  });

  it('refuses a model without a source or a date', () => {
    const noSource = `${host}models:${model('').replace(/ {4}source: .*\n/, '')}`;
    expect(() => parseCatalog(noSource, 'x.yaml')).toThrow(CatalogError);
    const noDate = `${host}models:${model('').replace(/ {4}pricesAsOf: .*\n/, '')}`;
    expect(() => parseCatalog(noDate, 'x.yaml')).toThrow(/pricesAsOf/);
  });

  it('refuses an id at an undeclared host', () => {
    const unknown = `${host}models:${model('').replace('ids: { openai: m1 }', 'ids: { nowhere: m1 }')}`;
    expect(() => parseCatalog(unknown, 'x.yaml')).toThrow(/unknown host nowhere/);
  });
});
