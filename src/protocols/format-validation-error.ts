import type { z } from 'zod';
import { type DetourError, invalidRequest } from '../core/index.js';

type Issue = z.core.$ZodIssue;
type Path = ReadonlyArray<PropertyKey>;

/** Writes a path the way OpenAI names params: `messages[0].content[1].type`. */
export function formatParamPath(path: Path): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

function valueAt(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function withArticle(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function listAlternatives(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** What a branch of a union wanted, for a message listing every branch. */
function describeExpected(issue: Issue): string[] {
  if (issue.code === 'invalid_type')
    return [withArticle(issue.expected === 'int' ? 'integer' : issue.expected)];
  if (issue.code === 'invalid_value') return issue.values.map(String);
  return [];
}

interface Located {
  issue: Issue;
  path: Path;
  /** For unions that failed on the value itself: what each branch wanted. */
  alternatives?: string[];
}

/**
 * Narrows a union failure to the branch that got furthest into the value: that branch matched the
 * value's shape, so its error is the one a person would fix.
 */
function locate(issue: Issue, base: Path): Located {
  const path = [...base, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return { issue, path };
  const branches = issue.errors
    .map((branch) => branch[0])
    .filter((first): first is Issue => first !== undefined)
    .map((first) => locate(first, path));
  const deepest = branches.reduce<Located | undefined>(
    (best, branch) => (best === undefined || branch.path.length > best.path.length ? branch : best),
    undefined,
  );
  if (deepest === undefined || deepest.path.length === path.length) {
    return { issue, path, alternatives: branches.flatMap((branch) => describeExpected(branch.issue)) };
  }
  return deepest;
}

function describeBound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const bound = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const small = issue.code === 'too_small';
  if (issue.origin === 'string' && small && bound === 1) return 'expected a non-empty string';
  if (issue.origin === 'array' && small && bound === 1) return 'expected a non-empty array';
  const operator = `${small ? '>' : '<'}${issue.inclusive ? '=' : ''}`;
  if (issue.origin === 'array') return `expected ${operator} ${bound} items`;
  if (issue.origin === 'string') return `expected ${operator} ${bound} characters`;
  return `expected a number ${operator} ${bound}`;
}

function describe(located: Located, body: unknown, param: string): string {
  const { issue, path } = located;
  const value = valueAt(body, path);
  if (value === undefined) return `Missing required parameter: '${param}'`;
  if (located.alternatives !== undefined && located.alternatives.length > 0) {
    return `Invalid value for '${param}': expected ${listAlternatives(located.alternatives)}, got ${describeType(value)}`;
  }
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid type for '${param}': expected ${describeExpected(issue)[0]}, got ${describeType(value)}`;
    case 'invalid_value':
      return `Invalid value for '${param}': expected ${issue.values.length === 1 ? String(issue.values[0]) : `one of ${issue.values.map(String).join(', ')}`}`;
    case 'invalid_union':
      // zod's discriminated unions report the allowed tags in `options`, which its types do not declare.
      if ('options' in issue && Array.isArray(issue.options)) {
        return `Invalid value for '${param}': expected one of ${issue.options.map(String).join(', ')}`;
      }
      return `Invalid value for '${param}'`;
    case 'too_small':
    case 'too_big':
      return `Invalid value for '${param}': ${describeBound(issue)}`;
    default:
      return `Invalid value for '${param}': ${issue.message}`;
  }
}

/**
 * Turns the first zod issue into an `invalid_request` error whose `param` is the bad field's path and
 * whose message names it.
 */
export function toInvalidRequest(issues: readonly Issue[], body: unknown): DetourError {
  const first = issues[0];
  if (first === undefined) return invalidRequest('Invalid request body');
  const located = locate(first, []);
  if (located.path.length === 0) return invalidRequest('The request body must be a JSON object');
  const param = formatParamPath(located.path);
  return invalidRequest(describe(located, body, param), param);
}
