import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';

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
 * stdout to `stdoutFile` when given (else nowhere).
 */
export function spawnPinned(
  core: number | undefined,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stderrFile?: string; stdoutFile?: string } = {},
): ChildProcess {
  const [file, argv] =
    core === undefined ? [command, args] : ['taskset', ['-c', String(core), command, ...args]];
  const stderr = options.stderrFile === undefined ? 'inherit' : openSync(options.stderrFile, 'a');
  const stdout = options.stdoutFile === undefined ? 'ignore' : openSync(options.stdoutFile, 'w');
  return spawn(file, argv, { stdio: ['ignore', stdout, stderr], env: { ...process.env, ...options.env } });
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

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

/** Stops a child and waits for it to exit. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
  });
}
