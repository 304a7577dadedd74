import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';

/**
 * The first way `value` breaks a JSON Schema, as `path: message`, or undefined when it fits.
 * zod 4 compiles the schema (`z.fromJSONSchema`); a schema it cannot read is reported as such.
 */
export function validateAgainstSchema(value: unknown, schema: Record<string, unknown>): string | undefined {
  let compiled: z.ZodType;
  try {
    compiled = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return `unusable schema: ${error instanceof Error ? error.message : String(error)}`;
  }
  const result = compiled.safeParse(value);
  if (result.success) return undefined;
  const [issue] = result.error.issues;
  const path = issue?.path.map(String).join('.') ?? '';
  return `${path === '' ? '(root)' : path}: ${issue?.message ?? 'does not fit the schema'}`;
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
