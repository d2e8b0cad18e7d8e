// There is no Docker engine on our machines: these checks keep docker/ and .env.example honest instead.
// Every compose service runs a real `dialer` sub-command and sets only variables the config knows; Redis
// is persistent and never evicts; workers can be scaled; the image is multi-stage and non-root; the
// Grafana dashboard only uses metrics some process registers.
import { describe, it, expect } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Command } from 'commander';
import { CONFIG_VARIABLES } from '@dialer/core';
import { SIMULATOR_ENV_VARIABLES } from '@dialer/simulator';
import { buildProgram } from '@dialer/cli';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const KNOWN = new Set([...CONFIG_VARIABLES, ...SIMULATOR_ENV_VARIABLES]);

interface Service {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, unknown> | string[];
  ports?: unknown[];
  volumes?: string[];
  container_name?: string;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(read('docker/docker-compose.yml'), { merge: true }) as Compose;

function envKeys(service: Service): string[] {
  const env = service.environment ?? {};
  return Array.isArray(env) ? env.map((e) => e.split('=')[0]!) : Object.keys(env);
}

function commandOf(service: Service): string[] {
  const c = service.command ?? [];
  return Array.isArray(c) ? c : c.split(/\s+/);
}

/** The command path (e.g. ["campaign", "list"]) names real sub-commands of `dialer`. */
function resolves(program: Command, words: string[]): boolean {
  let current = program;
  for (const word of words) {
    if (word.startsWith('-')) break;
    const next = current.commands.find((c) => c.name() === word);
    if (!next) return current !== program && current.commands.length === 0; // an argument of a leaf command
    current = next;
  }
  return current !== program;
}

describe('docker/docker-compose.yml', () => {
  const program = buildProgram();

  it('has redis, ingester, worker, board, api, and the simulator under the dev profile', () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(['redis', 'ingester', 'worker', 'board', 'api', 'sim']),
    );
    expect(compose.services.sim?.profiles).toContain('dev');
    expect(compose.services.ingester?.profiles).toBeUndefined();
  });

  it('runs a real dialer sub-command in every service but redis', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'redis') continue;
      const command = commandOf(service);
      expect({ name, ok: command.length > 0 && resolves(program, command) }).toEqual({ name, ok: true });
    }
    expect(commandOf(compose.services.worker!)).toEqual(['worker']);
    expect(commandOf(compose.services.ingester!)).toEqual(['ingester']);
    expect(commandOf(compose.services.board!)).toEqual(['board']);
    expect(commandOf(compose.services.api!)).toEqual(['api']);
    expect(commandOf(compose.services.sim!)).toEqual(['sim']);
  });

  it('sets only environment variables the config (or the simulator) knows', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (name === 'redis') continue;
      const unknown = envKeys(service).filter((k) => !KNOWN.has(k));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('runs Redis with AOF (fsync every second), noeviction and a named volume', () => {
    const redis = compose.services.redis!;
    const command = commandOf(redis).join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--appendfsync everysec/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    const volume = (redis.volumes ?? []).find((v) => v.endsWith(':/data'));
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume!.split(':')[0]);
  });

  it('lets workers scale (no container_name, no published ports)', () => {
    const worker = compose.services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile');
  const lines = dockerfile
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('is multi-stage and runs the CLI as a non-root user', () => {
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const finalStage = lines.slice(lines.lastIndexOf(froms[froms.length - 1]!));
    const user = finalStage.filter((l) => /^USER\s/i.test(l)).pop();
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
    expect(finalStage).toContain('ENTRYPOINT ["node", "packages/cli/dist/main.js"]');
    // pnpm comes from npm: corepack's signature check fails on Node 20.
    expect(lines.some((l) => /corepack enable/.test(l))).toBe(false);
    expect(lines.some((l) => /npm install -g "?pnpm@/.test(l))).toBe(true);
  });

  it("keeps the store's Lua scripts, which the runtime reads from packages/core/src/store/lua", () => {
    const run = dockerfile.replace(/\\\n/g, ' ');
    const removal = run.indexOf('rm -rf packages/*/src');
    expect(removal).toBeGreaterThan(-1);
    expect(run.lastIndexOf('mv packages/core/src/store/lua /tmp/store-lua', removal)).toBeGreaterThan(-1);
    expect(run.indexOf('mv /tmp/store-lua packages/core/src/store/lua', removal)).toBeGreaterThan(removal);
    expect(
      readdirSync(join(ROOT, 'packages/core/src/store/lua')).filter((f) => f.endsWith('.lua')).length,
    ).toBeGreaterThan(10);
  });
});

describe('.env.example', () => {
  const keys = read('.env.example')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('=')[0]!);

  it('lists only known variables, and every variable of the config', () => {
    expect(keys.filter((k) => !KNOWN.has(k))).toEqual([]);
    expect(CONFIG_VARIABLES.filter((k) => !keys.includes(k))).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('docker/grafana-dashboard.json', () => {
  it('uses only metric names some process registers', () => {
    const dashboard = JSON.parse(read('docker/grafana-dashboard.json')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const used = new Set(
      exprs.flatMap((e) => [...e.matchAll(/\b(dialer_[a-z_]+?)(?:_bucket|_sum|_count)?\b/g)].map((m) => m[1]!)),
    );
    const sources = readdirSync(join(ROOT, 'packages'))
      .flatMap((pkg) => {
        try {
          return readdirSync(join(ROOT, 'packages', pkg, 'src')).map((f) => join(ROOT, 'packages', pkg, 'src', f));
        } catch {
          return [];
        }
      })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used].filter((m) => !sources.includes(`'${m}'`));
    expect(missing).toEqual([]);
  });
});
