import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * `detour start` runs until a signal and exits the process on it, so it runs here as a child
 * process (the CLI's own entry, through tsx) in an empty directory with no vendor credentials in its
 * environment; each test stops its child with SIGTERM, the way an operator would.
 */
const MAIN = resolve('src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface Started {
  child: ChildProcess;
  /** Resolves with everything printed up to the end of the banner, or the exit code if it ended first. */
  banner: Promise<{ stdout: string; stderr: string; exitCode: number | null }>;
}

const children: ChildProcess[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
  }
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function emptyDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'detour-start-'));
  directories.push(directory);
  return directory;
}

function startCli(args: string[], cwd: string): Started {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'start', '--port', '0', ...args], {
    cwd,
    // No vendor keys, no DETOUR_* settings: the zero-config path picks the simulator.
    env: { PATH: process.env.PATH ?? '', HOME: cwd, DETOUR_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const banner = new Promise<{ stdout: string; stderr: string; exitCode: number | null }>((done) => {
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      // The banner's last line.
      if (/^(To configure|Watching) /m.test(stdout)) done({ stdout, stderr, exitCode: null });
    });
    child.once('exit', (code) => done({ stdout, stderr, exitCode: code }));
  });
  return { child, banner };
}

function authLine(stdout: string): string | undefined {
  return /^ {2}auth: +(.*)$/m.exec(stdout)?.[1];
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  child.kill('SIGTERM');
  return exited;
}

describe('detour start banner', () => {
  it('says auth is off in the zero-config sandbox, and stops cleanly on SIGTERM', async () => {
    const { child, banner } = startCli([], emptyDirectory());
    const { stdout, exitCode } = await banner;
    expect(exitCode).toBeNull();
    const url = /^Detour is listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout)?.[1];
    expect(url).toBeDefined();
    expect(authLine(stdout)).toBe(`OFF — open to anyone who can reach ${url} (sandbox: no config file)`);
    // The sandbox's curl example sends no key.
    expect(stdout).not.toContain('authorization');
    expect(await stop(child)).toBe(0);
  });

  it('refuses the zero-config sandbox on 0.0.0.0 without --insecure-open, with exit 1', async () => {
    const { banner } = startCli(['--host', '0.0.0.0'], emptyDirectory());
    const { stdout, stderr, exitCode } = await banner;
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('--insecure-open');
  });

  it('starts the sandbox on 0.0.0.0 with --insecure-open, saying it is open', async () => {
    const { child, banner } = startCli(['--host', '0.0.0.0', '--insecure-open'], emptyDirectory());
    const { stdout, exitCode } = await banner;
    expect(exitCode).toBeNull();
    expect(authLine(stdout)).toMatch(
      /^OFF — open to anyone who can reach http:\/\/0\.0\.0\.0:\d+ \(sandbox: no config file\)$/,
    );
    expect(await stop(child)).toBe(0);
  });

  it('says client keys are required with a config file, and that none can be created without server.adminKey', async () => {
    const directory = emptyDirectory();
    const file = join(directory, 'detour.yaml');
    writeFileSync(
      file,
      `providers:
  a: { protocol: openai-chat, baseUrl: http://127.0.0.1:9/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
health: { probes: { enabled: false } }
`,
    );
    const { child, banner } = startCli(['--config', file], directory);
    const { stdout, exitCode } = await banner;
    expect(exitCode).toBeNull();
    expect(authLine(stdout)).toBe(
      'client keys required (create one: detour keys create NAME, with DETOUR_ADMIN_KEY set); server.adminKey is not set, so no key can be created',
    );
    expect(stdout).toContain('-H "authorization: Bearer $DETOUR_KEY"');
    expect(await stop(child)).toBe(0);
  });
});
