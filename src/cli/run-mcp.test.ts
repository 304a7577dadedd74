import { afterEach, describe, expect, it, vi } from 'vitest';
import { runMcp } from './run-mcp.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('runMcp', () => {
  it('exits 2 and says how to give the admin key when there is none', async () => {
    vi.stubEnv('DETOUR_ADMIN_KEY', undefined);
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const stdout = vi.spyOn(process.stdout, 'write');
    expect(await runMcp(['--url', 'http://127.0.0.1:1'])).toBe(2);
    expect(stderr).toContain('pass --admin-key KEY or set DETOUR_ADMIN_KEY');
    // Stdout belongs to the protocol: nothing else may be written there.
    expect(stdout).not.toHaveBeenCalled();
  });

  it('exits 2 on an unknown option', async () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    expect(await runMcp(['--admin-key', 'k', '--port', '1'])).toBe(2);
    expect(stderr).toContain("Unknown option '--port'");
  });
});
