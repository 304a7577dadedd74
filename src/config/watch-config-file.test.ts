import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ConfigError, type ConfigWatcher, type DetourConfig, watchConfigFile } from './index.js';

type WatchEvent = { type: 'reload'; config: DetourConfig } | { type: 'error'; error: ConfigError };

/** Collects watcher callbacks in order; `next()` awaits the next one. */
class EventQueue {
  readonly seen: WatchEvent[] = [];
  private readonly pending: WatchEvent[] = [];
  private waiting: ((event: WatchEvent) => void) | undefined;

  push(event: WatchEvent): void {
    this.seen.push(event);
    if (this.waiting === undefined) {
      this.pending.push(event);
      return;
    }
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve(event);
  }

  next(): Promise<WatchEvent> {
    const event = this.pending.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}

const configWithPort = (port: number) => `server: { port: ${port} }
providers:
  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1 }
models:
  gpt-5: { deployments: [ { provider: openai, model: gpt-5 } ] }
`;

describe('watchConfigFile', () => {
  let folder: string;
  let file: string;
  let watcher: ConfigWatcher | undefined;
  let events: EventQueue;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'detour-config-'));
    file = join(folder, 'detour.yaml');
    await writeFile(file, configWithPort(4001));
    events = new EventQueue();
    watcher = watchConfigFile(file, {
      env: {},
      debounceMs: 20,
      onReload: (config) => events.push({ type: 'reload', config }),
      onError: (error) => events.push({ type: 'error', error }),
    });
  });

  afterEach(async () => {
    watcher?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('reloads on a good edit and reports a bad edit without reloading', async () => {
    await writeFile(file, configWithPort(4002));
    const first = await events.next();
    expect(first.type === 'reload' && first.config.server.port).toBe(4002);

    await writeFile(file, configWithPort(4003).replace('port: 4003', 'prot: 4003'));
    const second = await events.next();
    expect(second.type).toBe('error');
    expect(second.type === 'error' && second.error.toString()).toBe(
      `${file}:1:11: server.prot: unknown key "prot"`,
    );

    await writeFile(file, configWithPort(4004));
    const third = await events.next();
    expect(third.type === 'reload' && third.config.server.port).toBe(4004);
    expect(events.seen.map((event) => event.type)).toEqual(['reload', 'error', 'reload']);
  });

  it('keeps following the file when an editor replaces it by renaming', async () => {
    const temporary = join(folder, '.detour.yaml.swp');
    await writeFile(temporary, configWithPort(4010));
    await rename(temporary, file);
    const first = await events.next();
    expect(first.type === 'reload' && first.config.server.port).toBe(4010);

    await writeFile(temporary, configWithPort(4011));
    await rename(temporary, file);
    const second = await events.next();
    expect(second.type === 'reload' && second.config.server.port).toBe(4011);
    expect(events.seen).toHaveLength(2);
  });
});
