import { z } from 'zod';
import type { HostKind } from './catalog-types.js';

/** The provider kinds a catalog host may be. */
export const HOST_KINDS: readonly HostKind[] = [
  'openai-chat',
  'anthropic-messages',
  'bedrock',
  'vertex',
  'gemini',
  'azure-openai',
];

const positive = z.number().positive();

const priceSchema = z.strictObject({
  input: positive,
  output: positive,
  cachedInput: positive.optional(),
  cacheWrite: positive.optional(),
});

const modality = z.enum(['text', 'image', 'audio', 'video']);

const hostSchema = z.strictObject({
  kind: z.enum(HOST_KINDS as [HostKind, ...HostKind[]]),
  baseUrl: z.url({ protocol: /^https$/ }).optional(),
});

const modelSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'must be lowercase letters, digits, dots and hyphens'),
  family: z.string().min(1),
  vendor: z.enum(['openai', 'anthropic', 'google', 'meta', 'mistral', 'deepseek', 'amazon', 'xai', 'qwen']),
  contextWindow: z.number().int().positive(),
  maxOutput: z.number().int().positive(),
  modalities: z.strictObject({ input: z.array(modality).min(1), output: z.array(modality).min(1) }),
  capabilities: z.strictObject({
    tools: z.boolean(),
    parallelTools: z.boolean(),
    jsonSchema: z.boolean(),
    vision: z.boolean(),
    reasoning: z.boolean(),
    prefill: z.boolean(),
  }),
  price: priceSchema,
  hostPrices: z.record(z.string(), priceSchema).default({}),
  ids: z.record(z.string(), z.string().min(1)),
  bedrockProfiles: z.array(z.enum(['us', 'eu', 'apac', 'global'])).default([]),
  pricesAsOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-11-30'),
  source: z.url({ protocol: /^https$/ }),
  verified: z.boolean(),
  notes: z.string().min(1).optional(),
});

/**
 * The catalog file's schema, with the rules no single field can check: every host a model names
 * is declared, each host's ids are unique, names are unique, and a Bedrock profile list belongs to
 * a model Bedrock serves.
 */
export const catalogFileSchema = z
  .strictObject({
    hosts: z.record(z.string(), hostSchema),
    models: z.array(modelSchema).min(1),
  })
  .superRefine((file, context) => {
    const hosts = Object.keys(file.hosts);
    const names = new Set<string>();
    const idsByHost = new Map<string, Map<string, string>>();
    file.models.forEach((model, index) => {
      if (names.has(model.name)) {
        context.addIssue({
          code: 'custom',
          path: ['models', index, 'name'],
          message: `duplicate name ${model.name}`,
        });
      }
      names.add(model.name);
      if (Object.keys(model.ids).length === 0) {
        context.addIssue({ code: 'custom', path: ['models', index, 'ids'], message: 'no host serves it' });
      }
      for (const [host, id] of Object.entries(model.ids)) {
        if (!hosts.includes(host)) {
          context.addIssue({
            code: 'custom',
            path: ['models', index, 'ids', host],
            message: `unknown host ${host}`,
          });
          continue;
        }
        const seen = idsByHost.get(host) ?? new Map<string, string>();
        idsByHost.set(host, seen);
        const other = seen.get(id);
        if (other !== undefined) {
          context.addIssue({
            code: 'custom',
            path: ['models', index, 'ids', host],
            message: `id ${id} at ${host} is also ${other}'s`,
          });
        }
        seen.set(id, model.name);
      }
      for (const host of Object.keys(model.hostPrices)) {
        if (model.ids[host] === undefined) {
          context.addIssue({
            code: 'custom',
            path: ['models', index, 'hostPrices', host],
            message: `${host} does not serve this model (no id)`,
          });
        }
      }
      if (model.bedrockProfiles.length > 0 && model.ids.bedrock === undefined) {
        context.addIssue({
          code: 'custom',
          path: ['models', index, 'bedrockProfiles'],
          message: 'Bedrock does not serve this model (no id)',
        });
      }
    });
  });

/** The catalog file as validated. */
export type CatalogFile = z.output<typeof catalogFileSchema>;
