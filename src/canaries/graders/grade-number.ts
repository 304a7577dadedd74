import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, pass } from './read-answer.js';

/** The answer holds exactly one number, and it equals `expected`. */
export const numberSpecSchema = z.object({
  kind: z.literal('number'),
  expected: z.number(),
  /** Allowed absolute difference (default 0). */
  tolerance: z.number().min(0).optional(),
});

/** A `number` grader. */
export type NumberSpec = z.infer<typeof numberSpecSchema>;

// Thousands separators (`1,517`) are part of the number; a sign only when not between words.
const NUMBER = /(?<![\w.])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])-?\d+(?:\.\d+)?/g;

/** Grades an answer that must be a single number. */
export function gradeNumber(spec: NumberSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  const numbers = (text.match(NUMBER) ?? []).map((match) => Number(match.replaceAll(',', '')));
  if (numbers.length !== 1) {
    return fail(`expected one number, found ${numbers.length} in ${excerpt(text)}`);
  }
  const [value] = numbers as [number];
  return Math.abs(value - spec.expected) <= (spec.tolerance ?? 0)
    ? pass(`got ${spec.expected}`)
    : fail(`expected ${spec.expected}, got ${value}`);
}
