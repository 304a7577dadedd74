import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, LineCounter, parseDocument } from 'yaml';
import {
  ConfigError,
  type ConfigIssue,
  findPathAtOffset,
  formatKeyPath,
  locateYamlPath,
} from '../config/index.js';
import type { ChatRequest, Message, ToolChoice } from '../core/index.js';
import { buildHaystack } from './build-haystack.js';
import type { GraderSpec } from './graders/index.js';
import { type CaseFile, suiteFileSchema } from './suite-file-schema.js';
import type { CanaryCase } from './types.js';

/**
 * The suites shipped with Detour. Read relative to this module, so they are found both from `src/`
 * (tests, tsx) and from `dist/` (the build copies them there), as the model catalog is.
 */
export const BUILT_IN_SUITES_DIR = fileURLToPath(new URL('./suites/', import.meta.url));

/** Which suites to load. */
export interface LoadCanarySuitesOptions {
  /** The built-in suites: all (`true`, the default), none (`false`), or these by name. */
  builtIn?: boolean | string[];
  /** Suite files of the user's, added after the built-in ones. */
  files?: string[];
}

const DEFAULT_MAX_TOKENS = 64;

/** The names of the built-in suites, sorted. */
export function listBuiltInSuites(): string[] {
  return readdirSync(BUILT_IN_SUITES_DIR)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => name.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * Loads canary suites: the built-in ones asked for, then the user's files. Case ids are unique
 * within a suite; a user file may add cases to a built-in suite by naming it.
 * @throws ConfigError naming file, line and key of every problem in the first bad file.
 */
export function loadCanarySuites(options: LoadCanarySuitesOptions = {}): CanaryCase<GraderSpec>[] {
  const builtIn = options.builtIn ?? true;
  const available = listBuiltInSuites();
  const names = builtIn === true ? available : builtIn === false ? [] : builtIn;
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      unknown.map((name) => ({
        file: BUILT_IN_SUITES_DIR,
        line: undefined,
        column: undefined,
        key: '',
        message: `no built-in canary suite ${JSON.stringify(name)} (there are: ${available.join(', ')})`,
      })),
    );
  }
  const cases: CanaryCase<GraderSpec>[] = [];
  const seen = new Set<string>();
  const files = [...names.map((name) => join(BUILT_IN_SUITES_DIR, `${name}.yaml`)), ...(options.files ?? [])];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ConfigError([
        { file, line: undefined, column: undefined, key: '', message: `cannot read: ${reason}` },
      ]);
    }
    cases.push(...parseCanarySuite(text, file, seen));
  }
  return cases;
}

/**
 * Validates one suite file's text; `file` names it in errors and, without a `suite:` key, names
 * the suite. `seen` holds `suite/id` of cases loaded before, to catch duplicates across files.
 * @throws ConfigError
 */
export function parseCanarySuite(
  text: string,
  file: string,
  seen = new Set<string>(),
): CanaryCase<GraderSpec>[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [syntaxError] = document.errors;
  if (syntaxError !== undefined) {
    const { line, col } = lineCounter.linePos(syntaxError.pos[0]);
    const key = formatKeyPath(
      findPathAtOffset(document, Math.min(syntaxError.pos[0], Math.max(0, text.length - 1))),
    );
    throw new ConfigError([
      { file, line, column: col, key, message: `YAML syntax error: ${syntaxError.message}` },
    ]);
  }
  const parsed = suiteFileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) =>
        issueAt(document, lineCounter, file, issue.path.filter(isPathSegment), issue.message),
      ),
    );
  }
  const suite = parsed.data.suite ?? basename(file, extname(file));
  const duplicates: ConfigIssue[] = [];
  const cases = parsed.data.cases.map((entry, index) => {
    const key = `${suite}/${entry.id}`;
    if (seen.has(key)) {
      duplicates.push(
        issueAt(document, lineCounter, file, ['cases', index, 'id'], `duplicate case id in suite ${suite}`),
      );
    }
    seen.add(key);
    return { id: entry.id, suite, request: toRequest(entry), grader: entry.grader };
  });
  if (duplicates.length > 0) throw new ConfigError(duplicates);
  return cases;
}

function isPathSegment(segment: PropertyKey): segment is string | number {
  return typeof segment === 'string' || typeof segment === 'number';
}

function issueAt(
  document: Document,
  lineCounter: LineCounter,
  file: string,
  path: (string | number)[],
  message: string,
): ConfigIssue {
  const { line, column } = locateYamlPath(document, lineCounter, path);
  return { file, line, column, key: formatKeyPath(path), message };
}

function toToolChoice(choice: NonNullable<CaseFile['toolChoice']>): ToolChoice {
  return typeof choice === 'string' ? { type: choice } : { type: 'tool', name: choice.name };
}

/** The canonical request of a case: temperature 0, no stream; `model` is filled in per deployment. */
function toRequest(entry: CaseFile): ChatRequest {
  const text = (content: string) => [{ type: 'text' as const, text: content }];
  let messages: Message[];
  if (entry.prompt !== undefined) {
    const prompt =
      entry.haystack === undefined ? entry.prompt : `${buildHaystack(entry.haystack)}\n\n${entry.prompt}`;
    messages = [{ role: 'user', content: text(prompt) }];
  } else {
    messages = (entry.messages ?? []).map((message) => ({
      role: message.role,
      content: text(message.content),
    }));
  }
  const request: ChatRequest = {
    model: '',
    messages,
    maxTokens: entry.maxTokens ?? DEFAULT_MAX_TOKENS,
    temperature: 0,
    stream: false,
    metadata: {},
    vendorOptions: {},
  };
  if (entry.system !== undefined) request.system = text(entry.system);
  if (entry.tools !== undefined) {
    request.tools = entry.tools.map((tool) =>
      tool.description === undefined
        ? { name: tool.name, parameters: tool.parameters }
        : { name: tool.name, description: tool.description, parameters: tool.parameters },
    );
  }
  if (entry.toolChoice !== undefined) request.toolChoice = toToolChoice(entry.toolChoice);
  if (entry.responseFormat !== undefined) request.responseFormat = entry.responseFormat;
  return request;
}
