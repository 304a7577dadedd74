import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCi, requireService } from './requires-service.js';

const servers: Server[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('requireService', () => {
  it('answers true when the service accepts a connection', async () => {
    const server = createServer((socket) => socket.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const service = { name: 'Thing', host: '127.0.0.1', port, howToRun: 'start it' };
    expect(await requireService(service, { CI: 'true' })).toBe(true);
  });

  it('fails in CI and skips elsewhere, saying how to run the tests, when nothing answers', async () => {
    const port = await closedPort();
    const service = { name: 'Thing', host: '127.0.0.1', port, howToRun: 'start Thing on its port' };
    await expect(requireService(service, { CI: 'true' })).rejects.toThrow(
      `Thing is required in CI but cannot be reached at 127.0.0.1:${port}`,
    );
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    expect(await requireService(service, {})).toBe(false);
    expect(written.join('')).toContain('To run them, start Thing on its port.');
  });

  it('reads CI as set unless empty, 0 or false', () => {
    expect(
      [undefined, '', '0', 'false', 'FALSE'].map((value) => isCi(value === undefined ? {} : { CI: value })),
    ).toEqual([false, false, false, false, false]);
    expect(['true', '1', 'yes'].map((value) => isCi({ CI: value }))).toEqual([true, true, true]);
  });
});
