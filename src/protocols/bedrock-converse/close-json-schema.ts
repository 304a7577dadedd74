type Schema = Record<string, unknown>;

function isRecord(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isObjectNode(node: Schema): boolean {
  const type = node.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || isRecord(node.properties);
}

/** Keywords whose value is one subschema. */
const SINGLE = ['items', 'not', 'if', 'then', 'else', 'contains'] as const;
/** Keywords whose value is a list of subschemas. */
const LISTS = ['prefixItems', 'anyOf', 'oneOf', 'allOf', 'items'] as const;
/** Keywords whose value maps names to subschemas. */
const MAPS = ['properties', 'patternProperties', '$defs', 'definitions'] as const;

/** A copy of `node` with every object closed, or undefined when one cannot be closed faithfully. */
function close(node: Schema): Schema | undefined {
  const closed: Schema = { ...node };
  if (isObjectNode(node)) {
    const declared = isRecord(node.properties) && Object.keys(node.properties).length > 0;
    if (node.additionalProperties === undefined && declared) closed.additionalProperties = false;
    else if (node.additionalProperties !== false) return undefined;
  }
  for (const key of SINGLE) {
    const value = node[key];
    if (!isRecord(value)) continue;
    const inner = close(value);
    if (inner === undefined) return undefined;
    closed[key] = inner;
  }
  for (const key of LISTS) {
    const value = node[key];
    if (!Array.isArray(value)) continue;
    const inner = value.map((item: unknown) => (isRecord(item) ? close(item) : item));
    if (inner.includes(undefined)) return undefined;
    closed[key] = inner;
  }
  for (const key of MAPS) {
    const value = node[key];
    if (!isRecord(value)) continue;
    const inner: Schema = {};
    for (const [name, item] of Object.entries(value)) {
      const closedItem = isRecord(item) ? close(item) : item;
      if (closedItem === undefined) return undefined;
      inner[name] = closedItem;
    }
    closed[key] = inner;
  }
  return closed;
}

/**
 * Bedrock's structured outputs accept a schema only when every object in it is closed
 * (`additionalProperties: false`), as OpenAI's strict mode does. An object that declares its
 * properties but says nothing about others is closed here: whatever the model writes then still
 * matches the client's schema. An object left open on purpose (no declared properties, or
 * `additionalProperties` true or a schema) cannot be closed without changing what it allows, so
 * the schema is refused: undefined.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html
 */
export function closeJsonSchema(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  return close(schema);
}
