import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';

/**
 * `detour demo` end to end (issue 16, item 6): the CLI's own entry through tsx as a child process,
 * stdout a pipe (not a TTY), the real simulator and a real Detour on loopback, as a user runs it.
 */
const MAIN = resolve('src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', TSX, MAIN, 'demo', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

function count(stdout: string, pattern: RegExp): { failed: number; requests: number } {
  const match = pattern.exec(stdout);
  if (match === null) throw new Error(`no ${pattern} in:\n${stdout}`);
  return { failed: Number(match[1]), requests: Number(match[2]) };
}

describe('detour demo', () => {
  it('replays the outage: users straight to the vendor fail, none through Detour, and an incident is shown', async () => {
    const run = await runDemo(['--duration', '20s']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const direct = count(run.stdout, /^Users straight to anthropic: (\d+) of (\d+) requests failed/m);
    const detour = count(run.stdout, /^Users through Detour: +(\d+) of (\d+) requests failed/m);
    expect(direct.failed).toBeGreaterThan(0);
    expect(detour.failed).toBe(0);
    // The same traffic went both ways (the interval's last tick may land on one side only).
    expect(detour.requests).toBeGreaterThan(20);
    expect(Math.abs(direct.requests - detour.requests)).toBeLessThanOrEqual(1);
    // Not a TTY: plain progress lines, no cursor movement.
    expect(run.stdout).not.toContain('\x1b[');
    const progress = run.stdout.split('\n').filter((line) => /^\[[#.]{20}\] \d:\d\d /.test(line));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.some((line) => line.includes('OUTAGE'))).toBe(true);
    expect(progress.at(-1)).toMatch(/^\[#{20}\] 0:20 vendor recovered/);
    // The incident Detour opened, about the vendor host, with its evidence and timeline.
    expect(Number(/^Detour opened (\d+) incident\(s\)/m.exec(run.stdout)?.[1])).toBeGreaterThanOrEqual(1);
    expect(run.stdout).toMatch(/^deployments: anthropic\/claude-(sonnet|haiku)-4-5$/m);
    expect(run.stdout).toMatch(/^kind: +(overloaded|outage) /m);
    expect(run.stdout).toMatch(/^ {2}users: 0 errors in \d+ requests/m);
    expect(run.stdout).toMatch(/^ {2}\S+ +investigating +\d+ of \d+ attempts to anthropic\//m);
    expect(run.stdout).toMatch(/^Status page: http:\/\/127\.0\.0\.1:\d+\/status$/m);
    expect(run.stdout).toMatch(/^Console: +http:\/\/127\.0\.0\.1:\d+\/console$/m);
  }, 90_000);

  it.each([
    [['--duration', '5s'], '--duration'],
    [['--duration', 'soon'], '--duration'],
    [['--rps', '0'], '--rps'],
    [['--colour', 'red'], '--colour'],
  ])('exits 2 on %j before starting anything, naming %s', async (argv, named) => {
    let stderr = '';
    const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      expect(await runCli(['demo', ...argv])).toBe(2);
    } finally {
      errSpy.mockRestore();
    }
    expect(stderr).toContain(named);
  });
});
