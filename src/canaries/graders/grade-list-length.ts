import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, fail, pass } from './read-answer.js';

/** The answer is a list of exactly `items` items, one per line (numbered, bulleted or plain). */
export const listLengthSpecSchema = z.object({
  kind: z.literal('list_length'),
  items: z.int().min(1),
});

/** A `list_length` grader. */
export type ListLengthSpec = z.infer<typeof listLengthSpecSchema>;

// A number or bullet, then whitespace or the end of the line (a marker with nothing after it is an
// empty item, not a plain line).
const MARKER = /^(?:\d+[.)]|[-*•])(?:\s+|$)/;

/**
 * Grades a list. Blank lines do not count. When some lines carry a number or bullet, only those
 * count, so a lead-in line (`Here are three:`) is not an item.
 */
export function gradeListLength(spec: ListLengthSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const marked = lines.filter((line) => MARKER.test(line));
  const items = marked.length > 0 ? marked : lines;
  if (items.some((line) => line.replace(MARKER, '').trim() === '')) return fail('an empty list item');
  return items.length === spec.items
    ? pass(`${items.length} items`)
    : fail(`expected ${spec.items} items, got ${items.length}`);
}
