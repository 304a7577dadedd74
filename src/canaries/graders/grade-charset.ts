import { z } from 'zod';
import type { ChatResponse } from '../../core/index.js';
import type { Grade } from '../types.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, pass } from './read-answer.js';

/**
 * The answer's text survived the trip: no mojibake, no control characters, no generation loop, and
 * (with `contains`) the non-ASCII strings asked for come back intact.
 */
export const charsetSpecSchema = z.object({
  kind: z.literal('charset'),
  contains: z.array(z.string().min(1)).optional(),
  /** An n-gram repeated back to back this many times is a loop (default 6). */
  maxRepeats: z.int().min(2).optional(),
});

/** A `charset` grader. */
export type CharsetSpec = z.infer<typeof charsetSpecSchema>;

// UTF-8 read as Latin-1 or Windows-1252: `é` → `Ã©`, `’` → `â€™`, a no-break space → `Â `; U+FFFD
// is what a decoder leaves of bytes it could not read.
const MOJIBAKE = /Ã[\u0080-\u00bf]|â€|Â[\u00a0-\u00bf]|\ufffd/;

function findControlCharacter(text: string): number | undefined {
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    const allowed = code === 0x09 || code === 0x0a || code === 0x0d;
    if ((code < 0x20 && !allowed) || (code >= 0x7f && code <= 0x9f)) return code;
  }
  return undefined;
}

/** The longest back-to-back repetition of any n-gram (n ≤ 8) of whitespace-separated tokens. */
export function longestRepeat(text: string): { ngram: string; times: number } {
  const tokens = text.split(/\s+/).filter((token) => token !== '');
  let best = { ngram: '', times: 0 };
  for (let size = 1; size <= 8; size += 1) {
    for (let start = 0; start + size <= tokens.length; start += 1) {
      let times = 1;
      while (
        start + (times + 1) * size <= tokens.length &&
        tokens.slice(start + times * size, start + (times + 1) * size).join(' ') ===
          tokens.slice(start, start + size).join(' ')
      ) {
        times += 1;
      }
      if (times > best.times) best = { ngram: tokens.slice(start, start + size).join(' '), times };
    }
  }
  return best;
}

/** Grades the characters of an answer. */
export function gradeCharset(spec: CharsetSpec, answer: ChatResponse): Grade {
  const text = answerText(answer);
  if (text === '') return EMPTY_ANSWER;
  const garbled = MOJIBAKE.exec(text);
  if (garbled !== null) return fail(`mojibake ${JSON.stringify(garbled[0])}`);
  const control = findControlCharacter(text);
  if (control !== undefined) return fail(`control character U+${control.toString(16).padStart(4, '0')}`);
  const loop = longestRepeat(text);
  if (loop.times >= (spec.maxRepeats ?? 6)) return fail(`loop: ${excerpt(loop.ngram, 20)} ×${loop.times}`);
  const missing = spec.contains?.find(
    (expected) => !text.normalize('NFC').includes(expected.normalize('NFC')),
  );
  if (missing !== undefined) return fail(`missing ${JSON.stringify(missing)} in ${excerpt(text)}`);
  return pass('clean text');
}
