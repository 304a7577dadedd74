import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, normalise, pass } from './read-answer.js';

/**
 * The answer's letters are all upper case or all lower case; with `expected`, the answer also equals
 * that string letter for letter (case included).
 */
export const casingSpecSchema = z.object({
  kind: z.literal('casing'),
  casing: z.enum(['upper', 'lower', 'exact']),
  expected: z.string().min(1).optional(),
});

/** A `casing` grader. */
export type CasingSpec = z.infer<typeof casingSpecSchema>;

/** Grades the casing of an answer. */
export function gradeCasing(spec: CasingSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  if (spec.casing === 'upper' && text !== text.toUpperCase())
    return fail(`not all upper case: ${excerpt(text)}`);
  if (spec.casing === 'lower' && text !== text.toLowerCase())
    return fail(`not all lower case: ${excerpt(text)}`);
  if (spec.casing !== 'exact' && !/\p{L}/u.test(text)) return fail('no letters');
  if (spec.expected !== undefined && normalise(text) !== normalise(spec.expected)) {
    return fail(`expected ${excerpt(spec.expected)}, got ${excerpt(text)}`);
  }
  if (spec.casing === 'exact' && spec.expected === undefined) return fail('exact casing needs `expected`');
  return pass(`${spec.casing} case`);
}
