import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, fail, pass } from './read-answer.js';

/** The answer has exactly `words` words. */
export const wordCountSpecSchema = z.object({
  kind: z.literal('word_count'),
  words: z.int().min(1),
});

/** A `word_count` grader. */
export type WordCountSpec = z.infer<typeof wordCountSpecSchema>;

/** Grades an answer that must have exactly N words (runs of letters, digits, apostrophes and hyphens). */
export function gradeWordCount(spec: WordCountSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  const count = (text.match(/[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu) ?? []).length;
  return count === spec.words ? pass(`${count} words`) : fail(`expected ${spec.words} words, got ${count}`);
}
