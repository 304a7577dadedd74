import { seededRandom } from '../core/index.js';
/** Where and how to plant a fact in generated filler text. */
export interface HaystackSpec {
  /** Seeds the filler, so a suite gives the same text on every run and host. */
  seed: number;
  /** About how many tokens of filler (four characters a token). */
  tokens: number;
  /** The sentence to plant (`The access code is K7-RIVER-42.`). */
  fact: string;
  /** Where the fact sits, from 0 (start) to 1 (end); default 0.5. */
  depth?: number;
}

// No `is`, no digits and no question words: the filler can never read as a fact or a task.
const ADJECTIVES =
  'quiet steady bright careful simple patient distant golden narrow ancient silver gentle'.split(' ');
const NOUNS = 'river mountain garden lantern harbor meadow orbit forest valley bridge village tower'.split(
  ' ',
);
const VERBS = 'follows crosses watches circles shelters reaches faces borders'.split(' ');
const PLACES =
  'at dawn|after the rain|in the evening|through the winter|beyond the hills|along the coast'.split('|');

/**
 * A long filler text with one fact planted in it, for long-context retrieval canaries. Generated
 * rather than stored, so a suite file stays small and readable.
 */
export function buildHaystack(spec: HaystackSpec): string {
  const random = seededRandom(spec.seed);
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length)] ?? words[0];
  const sentences: string[] = [];
  let chars = 0;
  while (chars < spec.tokens * 4) {
    const sentence = `The ${pick(ADJECTIVES)} ${pick(NOUNS)} ${pick(VERBS)} the ${pick(NOUNS)} ${pick(PLACES)}.`;
    sentences.push(sentence);
    chars += sentence.length + 1;
  }
  const at = Math.round((spec.depth ?? 0.5) * sentences.length);
  sentences.splice(at, 0, spec.fact);
  // Paragraphs of eight sentences, as a document would have.
  const paragraphs: string[] = [];
  for (let start = 0; start < sentences.length; start += 8)
    paragraphs.push(sentences.slice(start, start + 8).join(' '));
  return paragraphs.join('\n\n');
}
