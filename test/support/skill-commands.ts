import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * Reads an Agent Skill (SKILL.md and the files it links to) and the `detour …` commands it shows,
 * so test/skill.test.ts can hold every command against the CLI's own USAGE text and run it.
 */

/** SKILL.md split into its YAML front matter and Markdown body. */
export interface SkillFile {
  frontMatter: Record<string, unknown>;
  body: string;
}

/** Splits SKILL.md at its `---` fences; throws when the front matter is missing or not a mapping. */
export function readSkillFile(text: string): SkillFile {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (match === null) throw new Error('SKILL.md does not start with a --- front matter block');
  const parsed: unknown = parseYaml(match[1] ?? '');
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('the front matter is not a YAML mapping');
  return { frontMatter: parsed as Record<string, unknown>, body: match[2] ?? '' };
}

/** Relative link targets of a Markdown text (`[text](path)`), without URLs and anchors. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const match of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = (match[1] ?? '').split('#')[0] ?? '';
    if (target === '' || /^[a-z]+:/i.test(target)) continue;
    links.push(target);
  }
  return links;
}

/** SKILL.md and every file reachable through its relative links, as absolute paths. */
export function skillFiles(skillMd: string): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const pending = [skillMd];
  while (pending.length > 0) {
    const file = pending.shift() as string;
    if (files.includes(file)) continue;
    if (!existsSync(file)) {
      missing.push(file);
      continue;
    }
    files.push(file);
    if (!file.endsWith('.md')) continue;
    for (const link of relativeLinks(readFileSync(file, 'utf8'))) pending.push(resolve(dirname(file), link));
  }
  return { files, missing };
}

/** How a command line invokes the CLI: `detour`, `npx detour` or the built entry point. */
const PREFIXES = ['detour ', 'npx detour ', 'node dist/cli/main.js '];

function commandAfterPrefix(line: string): string | undefined {
  const trimmed = line.trim().replace(/^\$ /, '');
  for (const prefix of PREFIXES) if (trimmed.startsWith(prefix)) return trimmed.slice(prefix.length);
  return undefined;
}

/** Every `detour …` command in fenced code blocks and inline code, as the text after `detour `. */
export function extractCommands(markdown: string): string[] {
  const commands: string[] = [];
  const outside: string[] = [];
  let fenced = false;
  let continued = '';
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      continued = '';
      continue;
    }
    if (!fenced) {
      outside.push(line);
      continue;
    }
    // A trailing backslash continues the command on the next line, as in a shell.
    const joined = continued + line;
    if (/\\\s*$/.test(joined)) {
      continued = `${joined.replace(/\\\s*$/, '')} `;
      continue;
    }
    continued = '';
    const command = commandAfterPrefix(joined);
    if (command !== undefined) commands.push(command);
  }
  for (const match of outside.join('\n').matchAll(/`([^`\n]+)`/g)) {
    const command = commandAfterPrefix(match[1] ?? '');
    if (command !== undefined) commands.push(command);
  }
  return commands;
}

/**
 * Splits a command into words as a shell would for these simple lines: quotes group, an unquoted
 * `#` starts a comment, and `|`, `;`, `&&`, `>` end the command. `$NAME` and `${NAME}` are kept as
 * written; {@link expandVariables} substitutes them.
 */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const char = command[i] as string;
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else word += char;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
      continue;
    }
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    if (!inWord && (char === '#' || char === '|' || char === ';' || char === '>' || char === '&')) break;
    word += char;
    inWord = true;
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} in: detour ${command}`);
  if (inWord) words.push(word);
  return words;
}

/** `$NAME` and `${NAME}` from `env`; throws on a variable that is not set. */
export function expandVariables(word: string, env: Record<string, string | undefined>): string {
  return word.replace(/\$\{([A-Z_][A-Z0-9_]*)\}|\$([A-Z_][A-Z0-9_]*)/g, (_all, braced, bare) => {
    const name = String(braced ?? bare);
    const value = env[name];
    if (value === undefined) throw new Error(`$${name} is not set`);
    return value;
  });
}

/** The verbs, each verb's subcommands, and the flags the CLI's USAGE text names. */
export interface UsageSpec {
  verbs: Set<string>;
  subcommands: Map<string, Set<string>>;
  usage: string;
}

/** Reads the command table of `detour help`: lines `  verb syntax   description`. */
export function parseUsage(usage: string): UsageSpec {
  const verbs = new Set<string>(['help']);
  const subcommands = new Map<string, Set<string>>();
  const section = usage.split(/\nCommands:\n/)[1]?.split(/\n\n/)[0] ?? '';
  for (const line of section.split('\n')) {
    const match = /^ {2}([a-z]+)(?: (.*?))?(?: {2,}|$)/.exec(line);
    if (match === null) continue;
    const verb = match[1] as string;
    verbs.add(verb);
    for (const segment of (match[2] ?? '').split(' | ')) {
      const first = segment.trim().split(' ')[0] ?? '';
      if (!/^[a-z]+$/.test(first)) continue;
      const subs = subcommands.get(verb) ?? new Set<string>();
      subs.add(first);
      subcommands.set(verb, subs);
    }
  }
  return { verbs, subcommands, usage };
}

/** What is wrong with a command against USAGE: an unknown verb, subcommand or flag. */
export function usageProblems(words: readonly string[], spec: UsageSpec): string[] {
  const [verb, second] = words;
  if (verb === undefined) return ['no verb'];
  const problems: string[] = [];
  if (!spec.verbs.has(verb)) problems.push(`unknown verb "${verb}"`);
  const subs = spec.subcommands.get(verb);
  if (subs !== undefined && second !== undefined && /^[a-z][a-z-]*$/.test(second) && !subs.has(second))
    problems.push(`"${verb}" has no subcommand "${second}" (has ${[...subs].join(', ')})`);
  for (const word of words) {
    if (!word.startsWith('--')) continue;
    const flag = word.split('=')[0] as string;
    const escaped = flag.replace(/[-]/g, '\\-');
    if (!new RegExp(`${escaped}(?![a-z-])`).test(spec.usage)) problems.push(`unknown flag "${flag}"`);
  }
  return problems;
}
