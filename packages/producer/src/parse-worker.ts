// Worker-thread entry: runs the CSV side of an import (read, parse, normalize, reject) next to the thread
// that talks to Redis, so the two use two cores. Protocol in worker-row-feed.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { LocalRowFeed, type FeedOptions } from './row-feed.js';
import type { FromWorker, ToWorker } from './worker-row-feed.js';
import { threadFailure } from './thread-error.js';

const port = parentPort;
if (!port) throw new Error('parse-worker.js runs as a worker thread only');

const feed = new LocalRowFeed(workerData as FeedOptions);
let credits = 0;
let closing = false;
let wake: (() => void) | undefined;
const post = (message: FromWorker) => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  if (message.t === 'ids') return feed.useContactIds(message.scheme, message.takesUnknownZones);
  if (message.t === 'credit') credits += message.n;
  else closing = true;
  wake?.();
});

async function main(): Promise<void> {
  post({ t: 'open', columns: await feed.open() });
  for (;;) {
    while (credits === 0 && !closing) await new Promise<void>((resolve) => (wake = resolve));
    if (closing) break;
    const contacts = await feed.nextChunk();
    if (!contacts) break;
    credits--;
    post({ t: 'chunk', contacts, counts: feed.counts() });
  }
  await feed.close();
  post({ t: 'end', counts: feed.counts(), rejectsFile: feed.rejectsFile() });
}

main()
  .catch(async (err: unknown) => {
    await feed.close().catch(() => undefined);
    post({ t: 'error', ...threadFailure(err) });
  })
  .finally(() => port.close());
