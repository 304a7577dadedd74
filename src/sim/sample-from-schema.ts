import type { RandomSource } from './seeded-random.js';

const WORDS = ['Paris', 'Lisbon', 'Oslo', 'Kyoto', 'Quito', 'Accra', 'Perth', 'Tallinn'];

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * A value that satisfies a JSON Schema, the way a model fills in tool arguments: every property,
 * the first enum value, small integers. Covers the schema keywords tool definitions use; anything
 * else becomes a string.
 */
export function sampleFromSchema(schema: unknown, random: RandomSource, depth = 0): unknown {
  const node = asRecord(schema) ?? {};
  if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0];
  if ('const' in node) return node.const;
  const variants = node.anyOf ?? node.oneOf;
  if (Array.isArray(variants) && variants.length > 0) return sampleFromSchema(variants[0], random, depth);
  const type = Array.isArray(node.type) ? node.type.find((item) => item !== 'null') : node.type;
  switch (type) {
    case 'integer':
      return 1 + Math.floor(random() * 7);
    case 'number':
      return Math.round(random() * 1000) / 10;
    case 'boolean':
      return random() < 0.5;
    case 'null':
      return null;
    case 'array':
      return depth > 4 ? [] : [sampleFromSchema(node.items, random, depth + 1)];
    case 'object': {
      const properties = asRecord(node.properties) ?? {};
      const value: Record<string, unknown> = {};
      if (depth > 4) return value;
      for (const [key, property] of Object.entries(properties)) {
        value[key] = sampleFromSchema(property, random, depth + 1);
      }
      return value;
    }
    default:
      if (node.properties !== undefined) return sampleFromSchema({ ...node, type: 'object' }, random, depth);
      return WORDS[Math.floor(random() * WORDS.length)];
  }
}
