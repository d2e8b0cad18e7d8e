/**
 * Keeps Bull Board's queue list in step with the campaign registry: every campaign queue (name = campaign
 * id) plus the internal notification and results queues. Campaigns created while the board runs appear through the
 * events channel at once, and through a periodic re-scan if a message was missed (pub/sub is
 * fire-and-forget: nothing is delivered while the subscriber reconnects).
 */
import { Queue } from 'bullmq';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { createBullBoard } from '@bull-board/api';
import {
  NOTIFY_QUEUE,
  RESULTS_QUEUE,
  type CampaignQueues,
  type CampaignStore,
  type Logger,
  type RedisClient,
} from '@dialer/core';

type BoardApi = ReturnType<typeof createBullBoard>;

/** Display prefix of internal queues: a campaign id cannot contain a dot, so names never collide. */
export const INTERNAL_QUEUE_PREFIX = 'internal.';
export const NOTIFY_BOARD_NAME = `${INTERNAL_QUEUE_PREFIX}${NOTIFY_QUEUE}`;
export const RESULTS_BOARD_NAME = `${INTERNAL_QUEUE_PREFIX}${RESULTS_QUEUE}`;

export interface BoardQueuesOptions {
  store: CampaignStore;
  queues: CampaignQueues;
  /** Connection for the internal queues. */
  connection: RedisClient;
  /** Pub/sub connection (subscriber mode: used for nothing else). */
  subscriber: RedisClient;
  logger: Logger;
  /** @defaultValue 5000 */
  rescanIntervalMs?: number;
}

export class BoardQueues {
  readonly #campaigns = new Set<string>();
  readonly #notify: Queue;
  readonly #results: Queue;
  #board: BoardApi | undefined;
  #timer: NodeJS.Timeout | undefined;
  #scanning: Promise<void> | undefined;
  #closed = false;

  constructor(private readonly opts: BoardQueuesOptions) {
    const { keys } = opts.store;
    // A reader: it must not rewrite the queue's meta (BullMQ would put the default event-stream length back).
    this.#notify = new Queue(NOTIFY_QUEUE, {
      connection: opts.connection,
      prefix: keys.notifyQueuePrefix(),
      skipMetasUpdate: true,
    });
    this.#results = new Queue(RESULTS_QUEUE, {
      connection: opts.connection,
      prefix: keys.resultsQueuePrefix(),
      skipMetasUpdate: true,
    });
  }

  /** The internal queues' adapters (the board is created with them; campaigns are added as found). */
  internalAdapters(): BullMQAdapter[] {
    return [
      // Read-only: the UI shows no buttons for it, Bull Board refuses its actions (405) and "pause all" skips
      // it; board-hooks refuses them first with the reason (403).
      new BullMQAdapter(this.#notify, {
        readOnlyMode: true,
        prefix: INTERNAL_QUEUE_PREFIX,
        description: 'Internal: notifications accepted by the ingester, waiting to be applied',
      }),
      // Read-only too: a delivery removed here would be lost; `dialer results redeliver` sends failed ones again.
      new BullMQAdapter(this.#results, {
        readOnlyMode: true,
        prefix: INTERNAL_QUEUE_PREFIX,
        description: "Internal: campaigns' results being delivered to their webhooks (`dialer results redeliver`)",
      }),
    ];
  }

  isCampaign(queueName: string): boolean {
    return this.#campaigns.has(queueName);
  }

  campaignIds(): string[] {
    return [...this.#campaigns];
  }

  notifyQueue(): Queue {
    return this.#notify;
  }

  async start(board: BoardApi): Promise<void> {
    this.#board = board;
    const { subscriber, store } = this.opts;
    subscriber.on('message', (_channel: string, message: string) => this.onEvent(message));
    await subscriber.subscribe(store.keys.events());
    await this.rescan();
    this.#timer = setInterval(() => void this.rescan(), this.opts.rescanIntervalMs ?? 5000);
    this.#timer.unref();
  }

  /** Reads the registry and adds (or removes) queues; one scan at a time. */
  rescan(): Promise<void> {
    this.#scanning ??= this.scan()
      .catch((err: unknown) => this.opts.logger.warn({ err }, 'campaign scan failed; retrying at the next interval'))
      .finally(() => {
        this.#scanning = undefined;
      });
    return this.#scanning;
  }

  private async scan(): Promise<void> {
    const ids = await this.opts.store.listCampaignIds();
    const known = new Set(ids);
    for (const id of ids) this.add(id);
    for (const id of this.#campaigns) {
      if (!known.has(id)) {
        this.#campaigns.delete(id);
        this.#board?.removeQueue(id);
      }
    }
  }

  private add(id: string): void {
    if (this.#campaigns.has(id) || !this.#board || this.#closed) return;
    this.#campaigns.add(id);
    this.#board.addQueue(
      new BullMQAdapter(this.opts.queues.get(id), { description: `Campaign ${id}: one dial job per attempt` }),
    );
    this.opts.logger.info({ campaignId: id }, 'campaign queue added to the board');
  }

  private onEvent(message: string): void {
    let event: { type?: string; campaignId?: unknown };
    try {
      event = JSON.parse(message) as typeof event;
    } catch {
      return;
    }
    // The registry entry is written before `campaign-created` is published (and removed before the last
    // `campaign-deleted`), so a re-scan finds the new campaign (drops the deleted one).
    if (
      (event.type === 'campaign-created' || event.type === 'campaign-deleted') &&
      typeof event.campaignId === 'string'
    )
      void this.rescan();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#scanning;
    try {
      await this.opts.subscriber.unsubscribe();
    } catch {
      // the connection may already be gone
    }
    await this.#notify.close();
    await this.#results.close();
  }
}
