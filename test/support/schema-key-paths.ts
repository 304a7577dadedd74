import { z } from 'zod';

/** A step of a key path: a fixed key, any key of a record (`*`), or any element of an array (`[]`). */
export type KeySegment = string | { record: true } | { array: true };

/**
 * Every leaf key of a zod schema as a path pattern. Objects are walked by their shape, unions of
 * objects through each option, records
 * through their value schema (any key), arrays through their element (any index). A leaf is
 * anything else: a scalar, an enum, a list or map of scalars, or an object that a transform
 * reshapes (its parsed form has other keys, so it counts as one leaf). A key typed `never` is a
 * refusal (it may not be set at all), so it is no leaf.
 */
export function schemaKeyPaths(schema: z.ZodType): KeySegment[][] {
  const paths: KeySegment[][] = [];
  const walk = (node: z.ZodType, path: KeySegment[]): void => {
    const inner = unwrap(node);
    if (inner instanceof z.ZodNever) return;
    if (inner instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>))
        walk(child, [...path, key]);
      return;
    }
    // A union of objects (a provider, by kind): every option's keys are keys of the config.
    if (inner instanceof z.ZodUnion && isStructural(inner)) {
      for (const option of inner.options) walk(option as z.ZodType, path);
      return;
    }
    if (inner instanceof z.ZodRecord && isStructural(inner.valueType as z.ZodType)) {
      walk(inner.valueType as z.ZodType, [...path, { record: true }]);
      return;
    }
    if (inner instanceof z.ZodArray && isStructural(inner.element as z.ZodType)) {
      walk(inner.element as z.ZodType, [...path, { array: true }]);
      return;
    }
    paths.push(path);
  };
  walk(schema, []);
  // Options of a union share keys (`protocol`, `baseUrl`): each path once.
  const seen = new Set<string>();
  return paths.filter((path) => {
    const key = JSON.stringify(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Whether a path read from a value (keys and indexes) lies at or under a key path pattern. */
export function readsUnder(read: readonly (string | number)[], pattern: readonly KeySegment[]): boolean {
  if (read.length < pattern.length) return false;
  return pattern.every((step, index) => {
    const segment = read[index];
    if (typeof step === 'string') return segment === step;
    return 'record' in step ? typeof segment === 'string' : typeof segment === 'number';
  });
}

/** A pattern as a person reads it: `providers.<name>.headers`, `webhooks[].url`. */
export function formatKeyPattern(pattern: readonly KeySegment[]): string {
  return pattern
    .map((step, index) => {
      if (typeof step !== 'string') return 'record' in step ? '.<name>' : '[]';
      return index === 0 ? step : `.${step}`;
    })
    .join('');
}

/** The schema under optional / default / prefault / nullable wrappers and non-reshaping pipes. */
function unwrap(node: z.ZodType): z.ZodType {
  if (
    node instanceof z.ZodOptional ||
    node instanceof z.ZodDefault ||
    node instanceof z.ZodPrefault ||
    node instanceof z.ZodNullable
  ) {
    return unwrap(node.unwrap() as z.ZodType);
  }
  // A pipe parses into its output schema (a preprocessed number, an object checked twice); a pipe
  // into a transform reshapes the value, so what it parsed is a leaf.
  if (node instanceof z.ZodPipe) {
    const out = node.out as z.ZodType;
    return out instanceof z.ZodTransform ? node : unwrap(out);
  }
  return node;
}

function isStructural(node: z.ZodType): boolean {
  const inner = unwrap(node);
  if (inner instanceof z.ZodUnion) return inner.options.every((option) => isStructural(option as z.ZodType));
  return inner instanceof z.ZodObject || inner instanceof z.ZodRecord || inner instanceof z.ZodArray;
}
