/**
 * A body as JSON text without the fields a Google endpoint takes from its path instead: the model
 * is in the path, and the method name (`:streamGenerateContent`) says whether to stream. Google's
 * JSON endpoints refuse fields their request message lacks ("Invalid JSON payload received.
 * Unknown name"), so a stray `stream` or `model` must not reach them.
 */
export function encodeBodyWithout(
  body: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): string {
  const copy: Record<string, unknown> = { ...body };
  for (const field of fields) delete copy[field];
  return JSON.stringify(copy);
}
