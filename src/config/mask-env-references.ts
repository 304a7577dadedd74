import type { Document } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';

/** Text whose `${...}` references were swapped for placeholders of the same length. */
export interface MaskedText {
  /** The text to hand to the YAML parser. */
  masked: string;
  /** Puts the original references back into a string taken from the masked text. */
  unmask(text: string): string;
}

const REFERENCE = /\$\{[^}\n]*\}/g;
const PLACEHOLDER = /\uE000([\uE100-\uF0FF])([\uE100-\uF0FF])\uE001*/g;
const DIGIT_BASE = 0xe100;
const DIGITS = 0x1000;

/**
 * Hides `${NAME}` references from the YAML parser. In a flow mapping — the DESIGN.md example's
 * `{ apiKey: ${OPENAI_API_KEY} }` — `{` and `}` are YAML syntax and the file would not parse.
 * Each reference becomes private-use characters of exactly its length, so every line and
 * column the parser reports stays true, and the placeholder number leads back to its text.
 */
export function maskEnvReferences(text: string): MaskedText {
  const references: string[] = [];
  const masked = text.replace(REFERENCE, (reference) => {
    const index = references.push(reference) - 1;
    if (index >= DIGITS * DIGITS) return reference;
    const high = String.fromCharCode(DIGIT_BASE + Math.floor(index / DIGITS));
    const low = String.fromCharCode(DIGIT_BASE + (index % DIGITS));
    return `\uE000${high}${low}${'\uE001'.repeat(reference.length - 3)}`;
  });
  const unmask = (value: string): string =>
    references.length === 0
      ? value
      : value.replace(PLACEHOLDER, (placeholder, high: string, low: string) => {
          const index = (high.charCodeAt(0) - DIGIT_BASE) * DIGITS + (low.charCodeAt(0) - DIGIT_BASE);
          return references[index] ?? placeholder;
        });
  return { masked, unmask };
}

/** Restores the references in every string key and value of a document parsed from masked text. */
export function unmaskDocument(document: Document, unmask: (text: string) => string): void {
  const visit = (node: unknown): void => {
    if (isScalar(node)) {
      if (typeof node.value === 'string') node.value = unmask(node.value);
    } else if (isMap(node)) {
      for (const pair of node.items) {
        visit(pair.key);
        visit(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) visit(item);
    }
  };
  visit(document.contents);
}
