import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, normalise, pass } from './read-answer.js';

/** The answer, normalised (trimmed, quotes and a final full stop dropped), equals a string. */
export const exactSpecSchema = z.object({
  kind: z.literal('exact'),
  expected: z.string().min(1),
  /** Compare case too (default false). */
  caseSensitive: z.boolean().optional(),
});

/** An `exact` grader. */
export type ExactSpec = z.infer<typeof exactSpecSchema>;

/** Grades an answer that must equal a string. */
export function gradeExact(spec: ExactSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  const fold = (value: string) => (spec.caseSensitive === true ? value : value.toLowerCase());
  return fold(normalise(text)) === fold(normalise(spec.expected))
    ? pass('exact match')
    : fail(`expected ${excerpt(spec.expected)}, got ${excerpt(text)}`);
}
