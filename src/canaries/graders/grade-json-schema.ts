import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, pass } from './read-answer.js';
import { matchesExpected, validateAgainstSchema } from './validate-json.js';

/**
 * The answer parses as JSON and fits a JSON Schema; with `expected`, its fields also hold those
 * values. Without `schema` the dispatcher uses the request's `responseFormat` schema.
 */
export const jsonSchemaSpecSchema = z.object({
  kind: z.literal('json_schema'),
  schema: z.record(z.string(), z.unknown()).optional(),
  expected: z.record(z.string(), z.unknown()).optional(),
});

/** A `json_schema` grader. */
export type JsonSchemaSpec = z.infer<typeof jsonSchemaSpecSchema>;

// Models in JSON mode still wrap their answer in a Markdown fence now and then; the JSON inside counts.
const FENCE = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/;

/** Grades a JSON answer. */
export function gradeJsonSchema(spec: JsonSchemaSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  let value: unknown;
  try {
    value = JSON.parse(FENCE.exec(text)?.[1] ?? text);
  } catch {
    return fail(`not JSON: ${excerpt(text)}`);
  }
  if (spec.schema !== undefined) {
    const problem = validateAgainstSchema(value, spec.schema);
    if (problem !== undefined) return fail(problem);
  }
  if (spec.expected !== undefined) {
    const mismatch = matchesExpected(value, spec.expected);
    if (mismatch !== undefined) return fail(mismatch);
  }
  return pass('valid JSON');
}
