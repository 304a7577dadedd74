import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, pass } from './read-answer.js';

/** The answer contains the fact planted in a long context (case-insensitive). */
export const retrievalSpecSchema = z.object({
  kind: z.literal('retrieval'),
  needle: z.string().min(1),
});

/** A `retrieval` grader. */
export type RetrievalSpec = z.infer<typeof retrievalSpecSchema>;

/** Grades recall of a planted fact. */
export function gradeRetrieval(spec: RetrievalSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  return text.toLowerCase().includes(spec.needle.toLowerCase())
    ? pass('found the planted fact')
    : fail(`expected ${excerpt(spec.needle)}, got ${excerpt(text)}`);
}
