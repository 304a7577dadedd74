import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfigFile } from '../src/config/index.js';

/**
 * The replica sample in `deploy/compose/` cannot be started here (no container runtime in CI), so
 * this checks that its parts agree with each other: the Detour config is valid and points at the
 * compose services by name and port, the proxy balances over exactly the Detour replicas, and every
 * file the sample and its Dockerfile refer to exists.
 */
const DIR = join(import.meta.dirname, '..', 'deploy', 'compose');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

function readCompose(): Record<string, ComposeService> {
  const compose = parse(readFileSync(join(DIR, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  return compose.services;
}

function flag(command: string[] | undefined, name: string): string | undefined {
  const at = command?.indexOf(name) ?? -1;
  return at < 0 ? undefined : command?.[at + 1];
}

describe('deploy/compose sample', () => {
  const services = readCompose();
  const replicas = Object.entries(services).filter(([, service]) => service.command?.[0] === 'start');

  it('runs two Detour replicas on one shared config file', () => {
    expect(replicas.map(([name]) => name)).toEqual(['detour-1', 'detour-2']);
    for (const [, service] of replicas) {
      expect(flag(service.command, '--config')).toBe('/etc/detour/detour.yaml');
      expect(flag(service.command, '--host')).toBe('0.0.0.0');
      expect(service.volumes).toContain('./detour.yaml:/etc/detour/detour.yaml:ro');
    }
  });

  it('has a valid config whose Redis, PostgreSQL and providers are the compose services', async () => {
    const config = await loadConfigFile(join(DIR, 'detour.yaml'), { DETOUR_ADMIN_KEY: 'sample-admin-key' });
    expect(config.auth.mode).toBe('keys');

    const redis = new URL(config.state?.redis ?? '');
    expect(services[redis.hostname]?.image).toMatch(/^redis:/);

    expect(config.store.type).toBe('postgres');
    const postgres = new URL(config.store.type === 'postgres' ? config.store.url : '');
    const database = services[postgres.hostname];
    expect(database?.image).toMatch(/^postgres:/);
    expect(database?.environment).toMatchObject({
      POSTGRES_USER: postgres.username,
      POSTGRES_PASSWORD: postgres.password,
      POSTGRES_DB: postgres.pathname.slice(1),
    });

    const sim = services.sim;
    expect(sim?.command?.[0]).toBe('sim');
    for (const provider of Object.values(config.providers)) {
      const url = new URL(provider.baseUrl ?? '');
      expect(url.hostname).toBe('sim');
      expect(url.port).toBe(flag(sim?.command, '--port'));
    }
  });

  it('balances the proxy over exactly the replicas, on the port they listen on', () => {
    const nginx = readFileSync(join(DIR, 'nginx.conf'), 'utf8');
    const upstreams = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+);/gm)].map(
      (match) => `${match[1]}:${match[2]}`,
    );
    expect(upstreams).toEqual(
      replicas.map(([name, service]) => `${name}:${flag(service.command, '--port')}`),
    );
    expect(services.proxy?.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
  });

  it('builds from files that exist', () => {
    const root = join(DIR, '..', '..');
    const dockerfile = readFileSync(join(DIR, 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? '').split(' '),
    );
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
    for (const [, service] of replicas)
      expect(service.build).toEqual({ context: '../..', dockerfile: 'deploy/compose/Dockerfile' });
    // The image runs what `npm run build` makes.
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/cli/main.js"]');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.detour).toBe('dist/cli/main.js');
  });
});
