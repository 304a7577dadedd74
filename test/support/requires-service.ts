import { connect } from 'node:net';

/** A network service some tests need (PostgreSQL, Redis). */
export interface RequiredService {
  /** Human name, e.g. `PostgreSQL`. */
  name: string;
  host: string;
  port: number;
  /** What a developer does to run the tests, e.g. `start PostgreSQL on 127.0.0.1:5432`. */
  howToRun: string;
}

/** True when the environment says it is CI (`CI` set to anything but empty, `0` or `false`). */
export function isCi(environment: NodeJS.ProcessEnv = process.env): boolean {
  const value = environment.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (reachable: boolean) => {
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Decides whether tests that need `service` run: true when it can be reached. When it cannot, in
 * CI this throws, so the test file fails instead of passing with nothing run; elsewhere it prints
 * how to run the tests and returns false, for `describe.runIf(...)`.
 */
export async function requireService(
  service: RequiredService,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  if (await canConnect(service.host, service.port)) return true;
  const where = `${service.host}:${service.port}`;
  if (isCi(environment)) {
    throw new Error(`${service.name} is required in CI but cannot be reached at ${where}`);
  }
  process.stderr.write(
    `${service.name} tests skipped: nothing answers at ${where}. To run them, ${service.howToRun}.\n`,
  );
  return false;
}
