import type { Document, LineCounter, Node } from 'yaml';
import { isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { ConfigPath } from './config-path.js';

/** A 1-based place in the file. */
export interface FilePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/**
 * Finds where a path sits in the document: the key of a map entry, or the item of a sequence.
 * When the path does not exist (a missing key), the deepest part that does exist is used —
 * the parent's key — so the error still points near the fix.
 */
export function locateYamlPath(document: Document, lineCounter: LineCounter, path: ConfigPath): FilePosition {
  let node: unknown = document.contents;
  let anchor: Node | null = isNodeWithRange(node) ? node : null;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(document);
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      if (isNodeWithRange(pair.key)) anchor = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (!isNodeWithRange(item)) break;
      anchor = item;
      node = item;
    } else {
      break;
    }
  }
  const offset = anchor?.range?.[0] ?? 0;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function isNodeWithRange(value: unknown): value is Node {
  return (isScalar(value) || isMap(value) || isSeq(value) || isAlias(value)) && value.range !== undefined;
}

/**
 * The path of the deepest entry whose text spans `offset`, for naming the key near a syntax
 * error. Empty when the offset lies outside every entry.
 */
export function findPathAtOffset(document: Document, offset: number): (string | number)[] {
  const path: (string | number)[] = [];
  let node: unknown = document.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const start = isNodeWithRange(item.key) ? item.key.range?.[0] : undefined;
        const end = isNodeWithRange(item.value)
          ? item.value.range?.[1]
          : isNodeWithRange(item.key)
            ? item.key.range?.[1]
            : undefined;
        return start !== undefined && end !== undefined && start <= offset && offset < end;
      });
      if (pair === undefined || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const range = isNodeWithRange(item) ? item.range : undefined;
        return range !== undefined && range !== null && range[0] <= offset && offset < range[1];
      });
      if (index === -1) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}
