import type { Document } from 'yaml';
import { isMap, isScalar, isSeq, Scalar } from 'yaml';
import type { ConfigPath, PathIssue } from './config-path.js';

/** The outcome of interpolating one string: its new value, or why it could not be interpolated. */
export type InterpolationResult = { ok: true; value: string } | { ok: false; messages: string[] };

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/**
 * Replaces `${NAME}` with `env.NAME` and `${NAME:-default}` with the variable, or `default` when it
 * is unset or empty; `$${` is a literal `${`. An unset variable without a default is an error.
 */
export function interpolateEnv(text: string, env: NodeJS.ProcessEnv): InterpolationResult {
  let value = '';
  const messages: string[] = [];
  let index = 0;
  while (index < text.length) {
    if (text.startsWith('$${', index)) {
      value += '${';
      index += 3;
      continue;
    }
    if (!text.startsWith('${', index)) {
      value += text[index];
      index += 1;
      continue;
    }
    const end = text.indexOf('}', index + 2);
    if (end === -1) {
      messages.push('unterminated "${" (write "$${" for a literal "${")');
      break;
    }
    const match = REFERENCE.exec(text.slice(index + 2, end));
    index = end + 1;
    if (match === null) {
      messages.push(
        `invalid variable reference: write \${NAME} or \${NAME:-default}, NAME being letters, digits and _`,
      );
      continue;
    }
    const name = match[1] ?? '';
    const fallback = match[2];
    const variable = env[name];
    if (fallback !== undefined) {
      value += variable === undefined || variable === '' ? fallback : variable;
    } else if (variable === undefined) {
      messages.push(`environment variable ${name} is not set (write \${${name}:-default} to give a default)`);
    } else {
      value += variable;
    }
  }
  return messages.length > 0 ? { ok: false, messages } : { ok: true, value };
}

/**
 * Interpolates every string value of a parsed document in place, so each node keeps its
 * position for error messages. Keys are left alone. A plain (unquoted) value that interpolates
 * to the empty string (`apiKey: ${KEY:-}`) removes its entry, so an optional field is simply absent.
 */
export function interpolateDocument(document: Document, env: NodeJS.ProcessEnv): PathIssue[] {
  const issues: PathIssue[] = [];
  visit(document.contents, [], env, issues);
  return issues;
}

/** Returns true when the visited value should be removed from its map. */
function visit(node: unknown, path: ConfigPath, env: NodeJS.ProcessEnv, issues: PathIssue[]): boolean {
  if (isScalar(node)) {
    if (typeof node.value !== 'string' || !node.value.includes('$')) return false;
    const result = interpolateEnv(node.value, env);
    if (!result.ok) {
      for (const message of result.messages) issues.push({ path, message });
      return false;
    }
    node.value = result.value;
    return result.value === '' && node.type === Scalar.PLAIN;
  }
  if (isMap(node)) {
    node.items = node.items.filter((pair) => {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      return !visit(pair.value, [...path, key], env, issues);
    });
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      visit(item, [...path, index], env, issues);
    });
  }
  return false;
}
