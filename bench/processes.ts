import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';

/** Whether `taskset` can pin processes to cores here. */
export function canPin(): boolean {
  try {
    const probe = spawn('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return probe.pid !== undefined;
  } catch {
    return false;
  }
}

/**
 * Starts a command pinned to `core` (when `taskset` exists); stderr goes to `stderrFile` when given,
 * stdout to `stdoutFile` when given (else nowhere). `uid`/`gid` run it as another user without a
 * wrapper such as `runuser` in between, so that the child's pid is the command's and a signal sent
 * to it reaches the command itself.
 */
export function spawnPinned(
  core: number | undefined,
  command: string,
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    stderrFile?: string;
    stdoutFile?: string;
    uid?: number;
    gid?: number;
    cwd?: string;
  } = {},
): ChildProcess {
  const [file, argv] =
    core === undefined ? [command, args] : ['taskset', ['-c', String(core), command, ...args]];
  const stderr = options.stderrFile === undefined ? 'inherit' : openSync(options.stderrFile, 'a');
  const stdout = options.stdoutFile === undefined ? 'ignore' : openSync(options.stdoutFile, 'w');
  return spawn(file, argv, {
    stdio: ['ignore', stdout, stderr],
    env: { ...process.env, ...options.env },
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

/**
 * The pid that does the work: with `taskset` in front, the spawned pid execs into the command, so
 * it is the same process.
 */
export function cpuSeconds(pid: number): number {
  // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks (100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Busy and total time of one core so far, in clock ticks, from /proc/stat: busy is everything but
 * idle and iowait (user, nice, system, irq, softirq, steal; guest time is already inside user).
 */
export function coreTicks(core: number): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((row) => row.startsWith(`cpu${core} `));
  if (line === undefined) return { busy: Number.NaN, total: Number.NaN };
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number) as [number, number, number, number, number, number, number, number];
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

/**
 * Stops a child with `signal` (SIGTERM unless told) and waits for it to exit; SIGKILL after
 * `graceMs` if it has not.
 */
export async function stop(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts bench/fixed-upstream.ts on a free port (pinned to `core` when given) and waits until it
 * listens: the upstream every harness measures against.
 */
export async function startFixedUpstream(
  core: number | undefined,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawnPinned(core, process.execPath, [
    '--import',
    'tsx',
    join(import.meta.dirname, 'fixed-upstream.ts'),
    String(port),
  ]);
  await waitForPort(port);
  return { child, port };
}
