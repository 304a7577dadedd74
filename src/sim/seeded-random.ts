export { type RandomSource, seededRandom } from '../core/index.js';

/** FNV-1a: a stable 32-bit hash of a string, to derive per-request seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
