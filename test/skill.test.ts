import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXIT } from '../src/cli/exit-codes.js';
import { runCli } from '../src/cli/run-cli.js';
import type { Incident } from '../src/store/index.js';
import {
  expandVariables,
  extractCommands,
  parseUsage,
  readSkillFile,
  shellWords,
  skillFiles,
  type UsageSpec,
  usageProblems,
} from './support/skill-commands.js';
import { type Stack, startStack } from './support/start-stack.js';

// Issue 16, item 5: the Agent Skill at skills/detour/. Its front matter follows the Agent Skills
// format, every `detour …` command it (or a file it links to) shows names a verb and flags the CLI
// has, the ones that do not start a long-running process run against a real gateway and exit 0,
// and its scripts run against that gateway too.

const SKILL_DIR = resolve('skills/detour');
const SKILL_MD = resolve(SKILL_DIR, 'SKILL.md');
const MAIN = resolve('src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ADMIN_KEY = 'admin-skill-secret';
/** Verbs that run a server until a signal: checked against USAGE, not executed. */
const LONG_RUNNING = new Set(['start', 'mcp', 'sim', 'demo']);

interface Run {
  code: number | null | undefined;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((done) => {
    execFile(file, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      done({ code, stdout, stderr });
    });
  });
}

let usage: UsageSpec;
let stack: Stack;
let incidentId: string;

beforeAll(async () => {
  const help = await run(process.execPath, ['--import', TSX, MAIN, 'help'], {
    PATH: process.env.PATH ?? '',
  });
  expect(help.code).toBe(0);
  usage = parseUsage(help.stdout);
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
models:
  m:
    deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ]
health: { probes: { enabled: false } }
`,
  });
  const created = await admin('POST', '/admin/incidents', {
    title: 'Elevated errors on m',
    components: ['m'],
    body: 'Looking into errors on host a.',
    kind: 'overloaded',
    impact: 'major',
  });
  incidentId = (created.body as { incident: Incident }).incident.id;
});

afterAll(async () => {
  await stack?.close();
});

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** Runs `detour …` in this process (the network is real) and captures what it writes. */
async function detour(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await runCli(argv), stdout, stderr };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}

/** The environment the skill tells an agent to set, pointed at the test gateway. */
function skillEnv(): Record<string, string> {
  return {
    DETOUR_URL: stack.detour.url,
    DETOUR_ADMIN_KEY: ADMIN_KEY,
    // Read by the shipped detour.yaml and by `detour models` (zero-config); never sent anywhere.
    OPENAI_API_KEY: 'sk-skill-test',
    ANTHROPIC_API_KEY: 'sk-ant-skill-test',
  };
}

/** Every command with the file that shows it. */
function skillCommands(): Array<{ file: string; command: string }> {
  const { files } = skillFiles(SKILL_MD);
  return files
    .filter((file) => file.endsWith('.md'))
    .flatMap((file) =>
      extractCommands(readFileSync(file, 'utf8')).map((command) => ({
        file: relative(SKILL_DIR, file),
        command,
      })),
    );
}

let keyCount = 0;

/** A real value from the running gateway for a placeholder such as DEPLOYMENT or ID. */
async function placeholderValue(name: string, words: readonly string[]): Promise<string> {
  switch (name) {
    case 'DEPLOYMENT':
      return 'a/up-m';
    case 'MODEL':
    case 'M':
      return 'm';
    case 'PROVIDER':
    case 'P':
      return 'b';
    case 'FILE':
      return relative(process.cwd(), resolve(SKILL_DIR, 'assets/detour.yaml'));
    case 'KEY':
      return ADMIN_KEY;
    case 'NAME':
      keyCount += 1;
      return `skill-test-${keyCount}`;
    case 'ID': {
      if (words[0] === 'incidents') return incidentId;
      if (words[0] === 'keys') {
        keyCount += 1;
        const created = await admin('POST', '/admin/keys', { name: `skill-test-${keyCount}` });
        return (created.body as { key: { id: string } }).key.id;
      }
      throw new Error(`no value for ID in: detour ${words.join(' ')}`);
    }
    default:
      throw new Error(`no value for placeholder ${name} in: detour ${words.join(' ')}`);
  }
}

/** The command as the test runs it: variables expanded, placeholders and the default URL replaced. */
async function concrete(words: readonly string[]): Promise<string[]> {
  const env = { ...process.env, ...skillEnv() };
  const argv: string[] = [];
  for (const word of words) {
    const expanded = expandVariables(word, env).replaceAll('http://127.0.0.1:4000', stack.detour.url);
    if (/^[A-Z][A-Z_]*$/.test(expanded)) argv.push(await placeholderValue(expanded, words));
    // The skill has the agent copy its assets/detour.yaml to ./detour.yaml: that is the file meant.
    else if (expanded === 'detour.yaml') argv.push(await placeholderValue('FILE', words));
    else argv.push(expanded);
  }
  return argv;
}

describe('skills/detour/SKILL.md', () => {
  it('has Agent Skills front matter: name matches the folder, a description of when to use it', () => {
    const { frontMatter, body } = readSkillFile(readFileSync(SKILL_MD, 'utf8'));
    expect(frontMatter.name).toBe(basename(dirname(SKILL_MD)));
    expect(frontMatter.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(String(frontMatter.name).length).toBeLessThanOrEqual(64);
    expect(typeof frontMatter.description).toBe('string');
    const description = String(frontMatter.description);
    expect(description.trim().length).toBeGreaterThan(0);
    expect(description.length).toBeLessThanOrEqual(1024);
    expect(description).toMatch(/\bUse when\b/);
    if (frontMatter.compatibility !== undefined)
      expect(String(frontMatter.compatibility).length).toBeLessThanOrEqual(500);
    // The spec's advice: keep the body short and move detail to linked files.
    expect(body.split('\n').length).toBeLessThan(500);
  });

  it('links only to files that exist, and ships the references, config and script it names', () => {
    const { files, missing } = skillFiles(SKILL_MD);
    expect(missing.map((file) => relative(SKILL_DIR, file))).toEqual([]);
    expect(files.map((file) => relative(SKILL_DIR, file)).sort()).toEqual([
      'SKILL.md',
      'assets/detour.yaml',
      'references/cli.md',
      'references/troubleshooting.md',
      'scripts/check-detour.sh',
    ]);
  });

  it('shows every operating verb', () => {
    const verbs = new Set(skillCommands().map(({ command }) => shellWords(command)[0]));
    for (const verb of [
      'start',
      'config',
      'models',
      'health',
      'explain',
      'incidents',
      'drain',
      'enable',
      'keys',
      'usage',
      'requests',
      'mcp',
    ])
      expect(verbs, verb).toContain(verb);
  });

  it('shows only verbs, subcommands and flags that the CLI has', () => {
    const commands = skillCommands();
    expect(commands.length).toBeGreaterThan(30);
    const problems = commands.flatMap(({ file, command }) =>
      usageProblems(shellWords(command), usage).map((problem) => `${file}: detour ${command}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it('would catch a verb, subcommand or flag the CLI does not have', () => {
    expect(usageProblems(shellWords('helth --check'), usage)).toEqual(['unknown verb "helth"']);
    expect(usageProblems(shellWords('health --chek'), usage)).toEqual(['unknown flag "--chek"']);
    expect(usageProblems(shellWords('keys delete ID'), usage)).toEqual([
      '"keys" has no subcommand "delete" (has create, list, show, revoke, rotate)',
    ]);
    expect(usageProblems(shellWords('explain --model m --since 1h # why'), usage)).toEqual([]);
  });

  it('runs every command that does not start a server against a real gateway, exit 0', async () => {
    for (const [name, value] of Object.entries(skillEnv())) vi.stubEnv(name, value);
    try {
      const executed: string[] = [];
      for (const { file, command } of skillCommands()) {
        const words = shellWords(command);
        if (LONG_RUNNING.has(words[0] ?? '')) continue;
        const argv = await concrete(words);
        const result = await detour(argv);
        expect({ command: `${file}: detour ${command}`, argv, ...result }).toEqual({
          command: `${file}: detour ${command}`,
          argv,
          ...result,
          code: 0,
        });
        executed.push(words[0] as string);
        // A drain shown in the skill must not leak into the next command: put everything back.
        await admin('POST', '/admin/deployments/enable', { provider: 'a' });
        await admin('POST', '/admin/deployments/enable', { provider: 'b' });
      }
      for (const verb of ['health', 'incidents', 'models', 'usage', 'requests', 'explain', 'config'])
        expect(executed, verb).toContain(verb);
    } finally {
      vi.unstubAllEnvs();
    }
  });
  it('lists exactly the exit codes the CLI has', () => {
    const table =
      readFileSync(resolve(SKILL_DIR, 'references/cli.md'), 'utf8').split('## Exit codes')[1] ?? '';
    const codes = [...table.matchAll(/^\| (\d+) +\|/gm)].map((match) => Number(match[1]));
    expect(codes).toEqual(Object.values(EXIT).sort((a, b) => a - b));
    const body = readFileSync(SKILL_MD, 'utf8').split('## Exit codes')[1] ?? '';
    expect([...body.matchAll(/`(\d)`/g)].map((match) => Number(match[1]))).toEqual(codes);
  });

  it('every `curl $DETOUR_URL/...` probe it shows answers 200 on a running gateway', async () => {
    const { files } = skillFiles(SKILL_MD);
    const paths = files
      .filter((file) => file.endsWith('.md'))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(/curl [^`\n]*\$DETOUR_URL(\/[a-z/]+)/g)].map(
          (m) => m[1] as string,
        ),
      );
    expect(new Set(paths)).toEqual(new Set(['/healthz', '/readyz']));
    for (const path of paths)
      expect({ path, status: (await fetch(`${stack.detour.url}${path}`)).status }).toEqual({
        path,
        status: 200,
      });
  });
});

describe('skills/detour/scripts', () => {
  const check = resolve(SKILL_DIR, 'scripts/check-detour.sh');

  function checkEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      DETOUR_URL: stack.detour.url,
      DETOUR_ADMIN_KEY: ADMIN_KEY,
      DETOUR_CLI: `${process.execPath} --import ${TSX} ${MAIN}`,
      ...overrides,
    };
  }

  it('every shipped script runs against the gateway and exits 0', async () => {
    const scripts = readdirSync(resolve(SKILL_DIR, 'scripts'));
    expect(scripts).toEqual(['check-detour.sh']);
    for (const script of scripts) {
      const result = await run(resolve(SKILL_DIR, 'scripts', script), [], checkEnv());
      expect({ script, ...result }).toMatchObject({ code: 0 });
    }
  });

  it('check-detour.sh: alive, ready, healthy; exit 6 with a drained deployment, 4 with a wrong key, 5 unreachable', async () => {
    const healthy = await run(check, [], checkEnv());
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain('ok: every deployment is healthy');

    await admin('POST', '/admin/deployments/drain', { deployment: 'a/up-m' });
    try {
      const drained = await run(check, [], checkEnv());
      expect(drained.code).toBe(6);
      expect(drained.stdout).toMatch(/a\/up-m/);
      expect(drained.stderr).toContain('detour incidents');
    } finally {
      await admin('POST', '/admin/deployments/enable', { deployment: 'a/up-m' });
    }

    const refused = await run(check, [], checkEnv({ DETOUR_ADMIN_KEY: 'wrong' }));
    expect(refused.code).toBe(4);
    const noKey = await run(check, [], checkEnv({ DETOUR_ADMIN_KEY: '' }));
    expect(noKey.code).toBe(2);
    // Port 9 (discard) on loopback: nothing listens there on a test machine.
    const unreachable = await run(check, [], checkEnv({ DETOUR_URL: 'http://127.0.0.1:9' }));
    expect(unreachable.code).toBe(5);
  });
});
