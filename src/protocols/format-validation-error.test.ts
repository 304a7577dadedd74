import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatParamPath, toInvalidRequest } from './format-validation-error.js';

/** The message and param of the error for `body`, which `schema` must reject. */
function rejection(schema: z.ZodType, body: unknown): { message: string; param: string | undefined } {
  const parsed = schema.safeParse(body);
  if (parsed.success) throw new Error('expected the body to be rejected');
  const error = toInvalidRequest(parsed.error.issues, body);
  return { message: error.message, param: error.param };
}

describe('formatParamPath', () => {
  it('writes keys with dots and indexes in brackets, as OpenAI names params', () => {
    expect(formatParamPath(['messages', 0, 'content', 1, 'type'])).toBe('messages[0].content[1].type');
    expect(formatParamPath(['tool_choice', 'function', 'name'])).toBe('tool_choice.function.name');
  });

  it('writes a leading index without a dot and an empty path as nothing', () => {
    expect(formatParamPath([2, 'role'])).toBe('[2].role');
    expect(formatParamPath([])).toBe('');
  });
});

describe('toInvalidRequest', () => {
  it('is a 400 invalid_request naming the field', () => {
    const parsed = z.object({ model: z.string() }).safeParse({});
    expect(parsed.success).toBe(false);
    const error = toInvalidRequest(parsed.error?.issues ?? [], {});
    expect([error.code, error.status, error.param, error.message]).toStrictEqual([
      'invalid_request',
      400,
      'model',
      "Missing required parameter: 'model'",
    ]);
  });

  it('names no field when there is no issue or the body itself is wrong', () => {
    const none = toInvalidRequest([], {});
    expect([none.message, none.param]).toStrictEqual(['Invalid request body', undefined]);
    expect(rejection(z.object({ model: z.string() }), [1])).toStrictEqual({
      message: 'The request body must be a JSON object',
      param: undefined,
    });
  });

  it('names a missing nested field by its full path', () => {
    const schema = z.object({ messages: z.array(z.object({ role: z.string(), content: z.string() })) });
    expect(rejection(schema, { messages: [{ role: 'user', content: 'a' }, { content: 'b' }] })).toStrictEqual(
      {
        message: "Missing required parameter: 'messages[1].role'",
        param: 'messages[1].role',
      },
    );
  });

  it.each([
    ['a string', z.string(), 42, 'expected a string, got number'],
    ['a null', z.string(), null, 'expected a string, got null'],
    ['an array', z.string(), ['a'], 'expected a string, got array'],
    ['an object', z.number(), { a: 1 }, 'expected a number, got object'],
    ['a boolean', z.array(z.string()), true, 'expected an array, got boolean'],
    ['a string for an object', z.object({}), 'x', 'expected an object, got string'],
    ['a fraction for an integer', z.int(), 1.5, 'expected an integer, got number'],
  ])('names the expected and the given type for %s', (_name, field, value, expected) => {
    expect(rejection(z.object({ field }), { field: value })).toStrictEqual({
      message: `Invalid type for 'field': ${expected}`,
      param: 'field',
    });
  });

  it('lists what each branch of a union wanted when the value fits none', () => {
    const two = z.object({ stop: z.union([z.string(), z.array(z.string())]) });
    expect(rejection(two, { stop: 5 })).toStrictEqual({
      message: "Invalid value for 'stop': expected a string or an array, got number",
      param: 'stop',
    });
    const three = z.object({ v: z.union([z.string(), z.number(), z.literal(false)]) });
    expect(rejection(three, { v: null }).message).toBe(
      "Invalid value for 'v': expected a string, a number or false, got null",
    );
  });

  it('names the one branch that said what it wanted, and no list when none did', () => {
    const never = z.custom(() => false);
    expect(rejection(z.object({ v: z.union([z.string(), never]) }), { v: true }).message).toBe(
      "Invalid value for 'v': expected a string, got boolean",
    );
    expect(rejection(z.object({ v: z.union([never, never]) }), { v: true })).toStrictEqual({
      message: "Invalid value for 'v'",
      param: 'v',
    });
  });

  it('reports the error of the union branch that got furthest into the value', () => {
    const schema = z.object({
      part: z.union([
        z.object({ type: z.literal('image'), source: z.object({ url: z.string() }) }),
        z.object({ type: z.literal('text'), text: z.string() }),
      ]),
    });
    expect(rejection(schema, { part: { type: 'image', source: { url: 7 } } })).toStrictEqual({
      message: "Invalid type for 'part.source.url': expected a string, got number",
      param: 'part.source.url',
    });
  });

  it('takes the first of the union branches that got equally far', () => {
    const schema = z.object({
      v: z.union([z.object({ a: z.string() }), z.object({ a: z.number(), b: z.string() })]),
    });
    expect(rejection(schema, { v: { a: 1 } })).toStrictEqual({
      message: "Invalid type for 'v.a': expected a string, got number",
      param: 'v.a',
    });
  });

  it('names the allowed tags of a discriminated union', () => {
    const schema = z.object({
      part: z.discriminatedUnion('type', [
        z.object({ type: z.literal('text') }),
        z.object({ type: z.literal('image') }),
      ]),
    });
    expect(rejection(schema, { part: { type: 'audio' } })).toStrictEqual({
      message: "Invalid value for 'part.type': expected one of text, image",
      param: 'part.type',
    });
  });

  it('names the one allowed value, or all of them', () => {
    expect(rejection(z.object({ type: z.literal('function') }), { type: 'tool' })).toStrictEqual({
      message: "Invalid value for 'type': expected function",
      param: 'type',
    });
    expect(
      rejection(z.object({ role: z.enum(['user', 'assistant', 'tool']) }), { role: 'bot' }),
    ).toStrictEqual({
      message: "Invalid value for 'role': expected one of user, assistant, tool",
      param: 'role',
    });
  });

  it.each([
    ['an empty string', z.string().min(1), '', 'expected a non-empty string'],
    ['an empty array', z.array(z.number()).min(1), [], 'expected a non-empty array'],
    ['a string over a maximum of one', z.string().max(1), 'ab', 'expected <= 1 characters'],
    ['an array over a maximum of one', z.array(z.number()).max(1), [1, 2], 'expected <= 1 items'],
    ['a string under a minimum', z.string().min(3), 'ab', 'expected >= 3 characters'],
    ['an array under a minimum', z.array(z.number()).min(2), [1], 'expected >= 2 items'],
    ['a number under an inclusive minimum', z.number().min(0), -1, 'expected a number >= 0'],
    ['a number over an inclusive maximum', z.number().max(2), 3, 'expected a number <= 2'],
    ['a number at an exclusive minimum', z.number().gt(0), 0, 'expected a number > 0'],
    ['a number at an exclusive maximum', z.number().lt(5), 5, 'expected a number < 5'],
  ])('states the bound for %s', (_name, field, value, expected) => {
    expect(rejection(z.object({ field }), { field: value })).toStrictEqual({
      message: `Invalid value for 'field': ${expected}`,
      param: 'field',
    });
  });

  it("gives zod's own message for other issues", () => {
    expect(rejection(z.object({ id: z.string().regex(/^call_/) }), { id: 'x' })).toStrictEqual({
      message: "Invalid value for 'id': Invalid string: must match pattern /^call_/",
      param: 'id',
    });
  });

  it('calls a field missing when a refinement names a path below a value that is not an object', () => {
    const schema = (path: PropertyKey[]) =>
      z.object({ a: z.unknown() }).superRefine((_value, context) => {
        context.addIssue({ code: 'custom', path, message: 'needs a name' });
      });
    for (const a of [null, undefined, 'text', 3]) {
      expect(rejection(schema(['a', 'name']), { a })).toStrictEqual({
        message: "Missing required parameter: 'a.name'",
        param: 'a.name',
      });
    }
    expect(rejection(schema(['a', 'length']), { a: 'text' }).message).toBe(
      "Missing required parameter: 'a.length'",
    );
    expect(rejection(schema(['a', 'name']), { a: { name: 'x' } }).message).toBe(
      "Invalid value for 'a.name': needs a name",
    );
  });
});
