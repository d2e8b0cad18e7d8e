// Shared by the producer's tests: temp CSV files, a real Redis context, job and key counting.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CampaignQueues, CampaignStore, type RedisClient } from '@dialer/core';
import { testContext, type TestContext } from '@dialer/test-utils';
import { runImport, type ImportOptions, type ImportSummary } from '../src/index.js';

export interface ProducerFixture {
  ctx: TestContext;
  store: CampaignStore;
  queues: CampaignQueues;
  dir: string;
  /** Writes a file in the test's temp dir and returns its path. */
  file(name: string, content: string | Buffer): string;
  run(options: Omit<ImportOptions, 'campaignId'> & { campaignId: string }): Promise<ImportSummary>;
  /** Dial jobs of a campaign (waiting, delayed or prioritized). */
  jobCount(campaignId: string): Promise<number>;
  /** Every key under this test file's prefix. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

export function producerFixture(env: Record<string, string | undefined> = {}): ProducerFixture {
  const ctx = testContext(env);
  const store = new CampaignStore(ctx.redis, ctx.keys);
  const queues = new CampaignQueues(ctx.redis, ctx.keys);
  const dir = mkdtempSync(join(tmpdir(), 'dialer-producer-'));
  return {
    ctx,
    store,
    queues,
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    run(options) {
      return runImport(options, { redis: ctx.redis, keys: ctx.keys, config: ctx.config, queues });
    },
    async jobCount(campaignId) {
      const counts = await queues.get(campaignId).getJobCounts('wait', 'delayed', 'prioritized', 'active');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    keys: () => scanKeys(ctx.redis, `${ctx.keys.prefix}:*`),
    async close() {
      await queues.close();
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await (redis as import('ioredis').Redis).scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out.sort();
}

/** A valid US number, distinct for each i (NYC 212 area code, exchange 200–999). */
export function usNumber(i: number): string {
  return `+1212${String(2_000_000 + i * 7).padStart(7, '0')}`;
}

/** The same number as people type it in a US file: (212) 200-0007. */
export function usNational(i: number): string {
  const d = String(2_000_000 + i * 7).padStart(7, '0');
  return `(212) ${d.slice(0, 3)}-${d.slice(3)}`;
}
