/**
 * Deletes a finished campaign (`dialer campaign delete`, the API's DELETE): every key of it, its BullMQ queue and
 * its entry in the registry, for a completed or cancelled campaign with no call left in progress.
 *
 * Order, so that a deletion interrupted at any point is finished by running it again: the meta is marked
 * `deleting` first (the state check is not repeated then: the counters it reads may already be gone), the
 * meta itself goes last, after the registry entry. Workers are told (`campaign-deleted`) before and after, and
 * drop the campaign's lane once its state is gone or its queue empty.
 *
 * Kept on purpose: the contact caps (`{cap-…}`: a number's recent dial-outs count against every campaign, and
 * expire on their own), the locale profiles (`{locales}`: shared facts about numbers), the global do-not-call list.
 */
import { Cluster } from 'ioredis';
import type { CampaignQueues } from './dial-jobs.js';
import { DialerError } from './errors.js';
import type { Logger } from './logger.js';
import type { CampaignState } from './outcomes.js';
import type { RedisClient } from './redis.js';
import type { CampaignStore } from './store/campaign-store.js';
import { openResultsQueue, undeliveredCount } from './results-queue.js';

const SCAN_COUNT = 1000;

export interface CampaignDeleteDeps {
  store: CampaignStore;
  queues: CampaignQueues;
  logger?: Logger;
  now?: () => number;
}

/** What `dialer campaign delete --json` prints and the API answers. */
export interface DeleteResult {
  campaign: string;
  /** The state the campaign had (`completed` or `cancelled`). */
  state: CampaignState;
  /** Keys removed besides the queue's (records, counters, indexes, limits, meta). */
  keysRemoved: number;
  /** True when this call finished a deletion an earlier one had started. */
  resumed: boolean;
}

/**
 * Deletes campaign `id`: DIALER_ERR_CAMPAIGN_NOT_FOUND when it does not exist (also once deleted: a second call
 * changes nothing), DIALER_ERR_CAMPAIGN_STATE unless it is completed or cancelled with every contact ended.
 */
export async function deleteCampaign(deps: CampaignDeleteDeps, id: string): Promise<DeleteResult> {
  const { store, queues, logger } = deps;
  const k = store.keys;
  const [answer, state, open, unsent] = await store.redis.dialerMarkDeleting(
    k.campaignMeta(id),
    k.campaignStats(id),
    k.campaignOutbox(id),
    (deps.now ?? Date.now)(),
  );
  if (answer === 'missing')
    throw new DialerError('DIALER_ERR_CAMPAIGN_NOT_FOUND', `No campaign named "${id}"`, { campaignId: id });
  if (answer === 'refused') {
    const finished = state === 'cancelled' || state === 'completed';
    const why = !finished
      ? `only a completed or cancelled campaign can be deleted (cancel it first)`
      : Number(unsent) > 0
        ? `${unsent} of its results are not yet queued for the results webhook; delete it once a results deliverer has queued them`
        : `${open} of its contacts still have a call in progress; delete it once they have ended`;
    throw new DialerError('DIALER_ERR_CAMPAIGN_STATE', `Campaign "${id}" is ${state}: ${why}`, {
      campaignId: id,
      state,
    });
  }
  await refuseUndelivered(store, id);
  await store.publish({ type: 'campaign-deleted', campaignId: id });
  // force: a worker may still hold one of its last jobs (already ended); it finds the campaign gone.
  await queues.get(id).obliterate({ force: true });
  await queues.forget(id);
  let keysRemoved = await unlink(store.redis, [
    k.campaignContacts(id),
    k.campaignStats(id),
    `${k.campaignStats(id)}:rate`,
    k.campaignDeadlines(id),
    k.campaignSids(id),
    k.campaignSuppress(id),
    k.campaignReconcile(id),
  ]);
  // Whatever else lives in the campaign's slot: the reconciler's claims, a queue key BullMQ left behind.
  keysRemoved += await unlinkMatching(store.redis, `${globEscape(k.campaignQueuePrefix(id))}:*`, k.campaignMeta(id));
  keysRemoved += await unlink(store.redis, [k.rateCampaign(id), k.liveCampaign(id)]);
  await store.redis.zrem(k.campaigns(), id);
  await store.redis.srem(k.resultsCampaigns(), id);
  keysRemoved += await store.redis.del(k.campaignMeta(id));
  await store.publish({ type: 'campaign-deleted', campaignId: id });
  logger?.info({ campaignId: id, state, keysRemoved }, 'campaign deleted');
  return { campaign: id, state: state as CampaignState, keysRemoved, resumed: answer === 'resumed' };
}

/**
 * Refuses (and takes the `deleting` mark back) while deliveries of the campaign wait in the results queue: they
 * need its webhook settings. Checked after the mark, which the script sets only once the outbox is empty, so an
 * entry moved from the outbox into the queue meanwhile is seen here.
 */
async function refuseUndelivered(store: CampaignStore, id: string): Promise<void> {
  const queue = openResultsQueue(store.redis, store.keys);
  try {
    const waiting = await undeliveredCount(queue, id);
    if (waiting === 0) return;
    await store.redis.hdel(store.keys.campaignMeta(id), 'deleting');
    throw new DialerError(
      'DIALER_ERR_CAMPAIGN_STATE',
      `Campaign "${id}": ${waiting} of its results are still being delivered to the results webhook; delete it once they are delivered (or have failed for good)`,
      { campaignId: id },
    );
  } finally {
    await queue.close();
  }
}

/** UNLINK one key at a time (keys of different slots never share a command on a Cluster); returns how many existed. */
async function unlink(redis: RedisClient, keys: string[]): Promise<number> {
  const counts = await Promise.all(keys.map((key) => redis.unlink(key)));
  return counts.reduce((a, b) => a + b, 0);
}

/** Removes every key matching `pattern` but `keep`, on every master of a Cluster. */
async function unlinkMatching(redis: RedisClient, pattern: string, keep: string): Promise<number> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  let removed = 0;
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      cursor = next;
      removed += await unlink(
        redis,
        found.filter((key) => key !== keep),
      );
    } while (cursor !== '0');
  }
  return removed;
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
