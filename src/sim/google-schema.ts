import { asRecord } from './sim-wire.js';

/**
 * Google's `Schema` (an OpenAPI 3.0 subset with upper-case types such as `OBJECT`) as JSON Schema,
 * so the simulated model can fill it in like any other schema. Keywords the sampler does not read
 * pass through unchanged.
 * @see https://ai.google.dev/api/caching#Schema
 */
export function jsonSchemaFromGoogleSchema(schema: unknown): unknown {
  const node = asRecord(schema);
  if (node === undefined) return schema;
  const converted: Record<string, unknown> = { ...node };
  if (typeof node.type === 'string') converted.type = node.type.toLowerCase();
  if (node.items !== undefined) converted.items = jsonSchemaFromGoogleSchema(node.items);
  const properties = asRecord(node.properties);
  if (properties !== undefined) {
    converted.properties = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, jsonSchemaFromGoogleSchema(value)]),
    );
  }
  if (Array.isArray(node.anyOf)) converted.anyOf = node.anyOf.map(jsonSchemaFromGoogleSchema);
  return converted;
}
