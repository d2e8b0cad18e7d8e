/**
 * P6's plumbing: many campaigns written straight into Redis with the store (running ones with their first dial
 * jobs queued, as `dialer produce` leaves them; finished ones with every contact terminal), and what P6 reads
 * of a `dialer worker` process from outside: its Redis connections (CLIENT LIST entries whose client address
 * is one of the process's own TCP sockets, found through /proc), its peak RSS (VmHWM) and its CPU time.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import {
  CampaignQueues,
  CampaignStore,
  DIAL_JOB_NAME,
  contactIdFor,
  createKeys,
  createRedis,
  dialJobOptions,
  loadConfig,
  newContactRecord,
  resolveCampaignSettings,
  type ContactRecord,
} from '@dialer/core';
import type { Redis } from 'ioredis';
import type { BenchContext } from '../scenario.js';
import type { BenchSecrets } from './dial-bench-kit.js';

export interface CampaignSpec {
  id: string;
  contacts: number;
  /** First number of the campaign (`+1202` and 7 digits): numbers never repeat across the run's campaigns. */
  firstNumber: number;
  /** Every contact written terminal (answered by a human, dialed once): a finished campaign, no job queued. */
  finished?: boolean;
}

const numberOf = (n: number) => `+1202${String(n).padStart(7, '0')}`;

/** Campaigns written at once while seeding. */
const SEED_PARALLEL = 100;

/**
 * Writes the campaigns as the producer would (campaign, contact records, then one dial job per contact,
 * deterministic job ids), `SEED_PARALLEL` at a time, on one connection; every write publishes the store's
 * usual events, so running workers take the campaigns up as they would an import's.
 */
export async function seedCampaigns(
  ctx: BenchContext,
  prefix: string,
  secrets: BenchSecrets,
  specs: CampaignSpec[],
): Promise<void> {
  const config = loadConfig({ REDIS_URL: ctx.redisUrl, REDIS_PREFIX: prefix, ...secrets });
  const settings = resolveCampaignSettings({ window: { start: '00:00', end: '24:00' } }, config);
  const redis = createRedis(ctx.redisUrl, 'blocking', 'bench-seed');
  redis.on('error', () => undefined); // ioredis reconnects by itself; without a listener it prints every attempt
  const store = new CampaignStore(redis, createKeys(prefix));
  const queues = new CampaignQueues(redis, createKeys(prefix));
  const now = Date.now();
  const one = async (spec: CampaignSpec) => {
    await store.createCampaign(spec.id, settings);
    const BATCH = 1000;
    for (let start = 0; start < spec.contacts; start += BATCH) {
      const contacts: [string, ContactRecord][] = [];
      for (let i = start; i < Math.min(spec.contacts, start + BATCH); i++) {
        const p = numberOf(spec.firstNumber + i);
        const rec = newContactRecord({ p, r: i + 2 });
        contacts.push([
          contactIdFor(p),
          spec.finished ? { ...rec, s: 't', a: 1, o: 'answered-human', ts: now, du: 30 } : rec,
        ]);
      }
      await store.addContacts(spec.id, contacts);
      if (spec.finished) continue;
      await queues
        .get(spec.id)
        .addBulk(contacts.map(([c]) => ({ name: DIAL_JOB_NAME, data: { c, n: 1 }, opts: dialJobOptions(c, 1) })));
    }
    await queues.forget(spec.id);
  };
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(SEED_PARALLEL, specs.length) }, async () => {
        while (next < specs.length) await one(specs[next++] as CampaignSpec);
      }),
    );
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

/** Local ports of a process's TCP sockets (its fds' socket inodes, looked up in /proc/<pid>/net/tcp{,6}). */
function localPorts(pid: number): Set<number> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1] as string);
    } catch {
      // closed between the listing and the read
    }
  }
  const ports = new Set<number>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && inodes.has(f[9] as string)) ports.add(parseInt((f[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports;
}

/**
 * The Redis connections of each process: CLIENT LIST entries whose client address (`addr=ip:port`) is one of
 * the process's own sockets, with their names (`worker`, `worker-cmd`, … for a `dialer worker`).
 */
export async function redisConnectionsOf(
  redis: Redis,
  pids: number[],
): Promise<{ count: number; names: Record<string, number> }[]> {
  const list = (await redis.client('LIST')) as string;
  const clients = list
    .split('\n')
    .filter(Boolean)
    .map((line) => ({
      port: Number(/ addr=[^ ]*:(\d+) /.exec(` ${line} `)?.[1] ?? -1),
      name: / name=([^ ]*) /.exec(` ${line} `)?.[1] ?? '',
    }));
  return pids.map((pid) => {
    const ports = localPorts(pid);
    const mine = clients.filter((c) => ports.has(c.port));
    const names: Record<string, number> = {};
    for (const c of mine) names[c.name || '(none)'] = (names[c.name || '(none)'] ?? 0) + 1;
    return { count: mine.length, names };
  });
}

/** Peak resident set size of a live process (VmHWM, MB), from /proc. */
export function peakRssMb(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}
