import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, fail, pass, toolCallsOf } from './read-answer.js';
import { matchesExpected, validateAgainstSchema } from './validate-json.js';

/**
 * The answer calls tool `name` with arguments that parse as JSON, fit `schema` and hold the
 * `arguments` values given. Without `schema` the dispatcher uses the parameters of the offered tool.
 */
export const toolCallSpecSchema = z.object({
  kind: z.literal('tool_call'),
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});

/** A `tool_call` grader. */
export type ToolCallSpec = z.infer<typeof toolCallSpecSchema>;

/** Grades a tool call. */
export function gradeToolCall(spec: ToolCallSpec, answer: ChatResponse): Grade {
  const calls = toolCallsOf(answer);
  if (calls.length === 0) return fail(answerText(answer) === '' ? 'empty answer' : 'no tool call');
  const call = calls.find((candidate) => candidate.name === spec.name);
  if (call === undefined)
    return fail(`expected a call to ${spec.name}, got ${calls.map((c) => c.name).join(', ')}`);
  let value: unknown;
  try {
    value = JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch {
    return fail(`${spec.name}: arguments are not JSON`);
  }
  if (spec.schema !== undefined) {
    const problem = validateAgainstSchema(value, spec.schema);
    if (problem !== undefined) return fail(`${spec.name}: ${problem}`);
  }
  if (spec.arguments !== undefined) {
    const mismatch = matchesExpected(value, spec.arguments);
    if (mismatch !== undefined) return fail(`${spec.name}: ${mismatch}`);
  }
  return pass(`called ${spec.name}`);
}
