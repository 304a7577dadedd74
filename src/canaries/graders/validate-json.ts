import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/**
 * The first way `value` breaks a JSON Schema, as `path: message`, or undefined when it fits.
 * zod 4 compiles the schema (`z.fromJSONSchema`); a schema it cannot read is reported as such.
 */
export function validateAgainstSchema(value: unknown, schema: Record<string, unknown>): string | undefined {
  let compiled: z.ZodType;
  try {
    compiled = z.fromJSONSchema(withRequiredDeclared(schema) as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return `unusable schema: ${error instanceof Error ? error.message : String(error)}`;
  }
  const result = compiled.safeParse(value);
  if (result.success) return undefined;
  const [issue] = result.error.issues;
  const path = issue?.path.map(String).join('.') ?? '';
  return `${path === '' ? '(root)' : path}: ${issue?.message ?? 'does not fit the schema'}`;
}

type Schema = Record<string, unknown>;

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keywords whose value is one subschema, an array of them, or a table of them. */
const ONE_SUBSCHEMA = ['items', 'additionalProperties', 'not', 'contains', 'if', 'then', 'else'];
const SUBSCHEMA_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems', 'items'];
const SUBSCHEMA_TABLES = ['properties', 'patternProperties', '$defs', 'definitions'];

/**
 * The schema with every `required` name also declared under `properties` (as `{}`, which accepts
 * every value) where it is not. JSON Schema requires such a key to be present whatever its value,
 * but `z.fromJSONSchema` only enforces `required` for declared properties, so an answer without the
 * key would pass.
 */
function withRequiredDeclared(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  for (const key of ONE_SUBSCHEMA) {
    const value = copy[key];
    if (isSchema(value)) copy[key] = withRequiredDeclared(value);
  }
  for (const key of SUBSCHEMA_LISTS) {
    const value = copy[key];
    if (Array.isArray(value))
      copy[key] = value.map((item) => (isSchema(item) ? withRequiredDeclared(item) : item));
  }
  for (const key of SUBSCHEMA_TABLES) {
    const value = copy[key];
    if (isSchema(value))
      copy[key] = Object.fromEntries(
        Object.entries(value).map(([name, item]) => [
          name,
          isSchema(item) ? withRequiredDeclared(item) : item,
        ]),
      );
  }
  if (Array.isArray(copy.required)) {
    const properties: Schema = isSchema(copy.properties) ? { ...copy.properties } : {};
    for (const name of copy.required)
      if (typeof name === 'string' && !Object.hasOwn(properties, name)) properties[name] = {};
    copy.properties = properties;
  }
  return copy;
}

/** The first field of `expected` that `value` (an object) does not hold, as a detail; undefined when all match. */
export function matchesExpected(value: unknown, expected: Record<string, unknown>): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  for (const [key, want] of Object.entries(expected)) {
    if (!isDeepStrictEqual(record[key], want)) {
      return `${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(record[key]) ?? 'nothing'}`;
    }
  }
  return undefined;
}
