import { isSupportedCountry } from 'libphonenumber-js/max';
import {
  CampaignQueues,
  CampaignStore,
  DialerError,
  refuseSymlink,
  resolveContactIdScheme,
  waitForRedis,
  type CampaignSettings,
  type ContactIdScheme,
  LocaleStore,
  windowNeedsZone,
} from '@dialer/core';
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_MAX_IN_FLIGHT,
  type ImportCounts,
  type ImportDeps,
  type ImportOptions,
  type ImportSummary,
} from './import-types.js';
import { parseDelimiterOption, sniffDelimiter } from './delimiter.js';
import { scanFile } from './file-scan.js';
import { InFlight } from './in-flight.js';
import { DryRunContactSink, RedisContactSink, type ContactSink } from './contact-sinks.js';
import { LocalRowFeed, type RowFeed } from './row-feed.js';
import { parseWorkerAvailable, WorkerRowFeed } from './worker-row-feed.js';
import { checkCampaignId, planCampaign, planSettings } from './campaign-plan.js';
import { createCampaignWithIds } from './campaign-create.js';

export function checkCountry(country: string | undefined): string | undefined {
  if (country === undefined) return undefined;
  const cc = country.trim().toUpperCase();
  if (!isSupportedCountry(cc)) {
    throw new DialerError(
      'DIALER_ERR_SETTINGS',
      `--default-country "${country}" is not a supported ISO 3166 country code (e.g. US, GB, DE)`,
    );
  }
  return cc;
}

async function connect(deps: ImportDeps): Promise<void> {
  try {
    await waitForRedis(deps.redis, deps.connectTimeoutMs ?? 10_000);
  } catch (err) {
    const where = deps.config.redisUrl.replace(/\/\/[^@/]*@/, '//');
    throw new DialerError(
      'DIALER_ERR_REDIS',
      `Redis at ${where} is not reachable (REDIS_URL): ${(err as Error).message}`,
      undefined,
      { cause: err },
    );
  }
}

/**
 * Imports a CSV file into a campaign: every unusable-input check (options, settings, file encoding,
 * header) happens before the first write, then rows stream through in chunks whose Redis round trips
 * overlap with parsing (in a second thread when there is a core to spare). Safe to run again after
 * an interruption: the result is that of one clean run.
 */
export async function runImport(options: ImportOptions, deps: ImportDeps): Promise<ImportSummary> {
  const started = Date.now();
  checkCampaignId(options.campaignId);
  const defaultCountry = checkCountry(options.defaultCountry);
  const explicitDelimiter = options.delimiter !== undefined ? parseDelimiterOption(options.delimiter) : undefined;
  const settingsPlan = await planSettings(options.settingsFile, options.settings, deps.config, options.rulesFile);
  const scan = await (deps.fileScan ?? scanFile(options.file));
  if (scan.headerLine === undefined) {
    throw new DialerError('DIALER_ERR_CSV', `${options.file} has no header row (the file is empty)`, {
      file: options.file,
    });
  }
  const feedOptions = {
    file: options.file,
    delimiter: explicitDelimiter ?? sniffDelimiter(scan.headerLine),
    phoneColumn: options.phoneColumn,
    defaultCountry,
    rejectsPath: options.rejectsPath ?? `${options.file}.rejects.csv`,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
  };
  // Checked again when the file is created (first reject); here so a refusal comes before any write.
  refuseSymlink(feedOptions.rejectsPath, 'rejects file');
  const inWorker = options.parseInWorker ?? parseWorkerAvailable();
  const feed: RowFeed = inWorker ? new WorkerRowFeed(feedOptions) : new LocalRowFeed(feedOptions);
  try {
    await feed.open();
    await connect(deps);
    const store = new CampaignStore(deps.redis, deps.keys);
    const createWith = await planCampaign(store, options.campaignId, settingsPlan);
    // The campaign's own id scheme (an older campaign keeps its ids). A dry run creates no deployment key.
    const ids = await resolveContactIdScheme(deps.redis, deps.keys, deps.config, options.campaignId, {
      create: !options.dryRun,
    });
    // A contact no zone is known for is taken only when the campaign sets a window.timezone, or calls at any hour
    // of every day (no zone matters then); otherwise it is rejected rather than called at a guessed hour.
    const settings = createWith ?? (await store.getCampaign(options.campaignId))?.settings;
    feed.useContactIds(
      ids,
      settings !== undefined && (settings.window.timezone !== undefined || !windowNeedsZone(settings)),
    );
    const { counts, aborted } = await importRows(options, feed, scan.size, deps, store, createWith, ids);
    const summary: ImportSummary = { campaign: options.campaignId, ...counts, durationMs: Date.now() - started };
    const rejectsFile = feed.rejectsFile();
    if (rejectsFile) summary.rejectsFile = rejectsFile;
    if (options.dryRun) summary.dryRun = true;
    if (aborted) summary.aborted = true;
    deps.logger?.info(
      { campaignId: options.campaignId, ...counts, durationMs: summary.durationMs, dryRun: !!options.dryRun, aborted },
      'import finished',
    );
    return summary;
  } finally {
    await feed.close();
  }
}

async function importRows(
  options: ImportOptions,
  feed: RowFeed,
  totalBytes: number,
  deps: ImportDeps,
  store: CampaignStore,
  createWith: CampaignSettings | undefined,
  ids: ContactIdScheme,
): Promise<{ counts: ImportCounts; aborted: boolean }> {
  const counts: ImportCounts = { rows: 0, accepted: 0, duplicates: 0, rejected: 0, suppressed: 0 };
  const ownQueues = deps.queues ? undefined : new CampaignQueues(deps.redis, deps.keys);
  const queues = deps.queues ?? ownQueues!;
  const sink = makeSink(options, deps, store, queues, createWith, ids);
  const inFlight = new InFlight(options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  let bytesRead = 0;
  const report = () => options.onProgress?.({ ...counts, bytesRead, totalBytes });
  const takeFeedCounts = () => {
    const c = feed.counts();
    counts.rows = c.rows;
    counts.rejected = c.rejected;
    bytesRead = c.bytesRead;
  };
  let aborted = false;
  let first = true;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        aborted = true;
        break;
      }
      const chunk = await feed.nextChunk();
      takeFeedCounts();
      if (!chunk) break;
      const work = sink.prepare(chunk, counts);
      await inFlight.add(async () => {
        await work();
        report();
      });
      // The first chunk goes all the way to Redis before more rows are parsed: parsing holds this thread, and
      // with it the replies the first contacts wait for (and the campaign's first dial-out with them).
      if (first) {
        first = false;
        await inFlight.drain();
      }
    }
    await inFlight.drain();
  } finally {
    await inFlight.settle();
    await ownQueues?.close();
  }
  report();
  return { counts, aborted };
}
function makeSink(
  options: ImportOptions,
  deps: ImportDeps,
  store: CampaignStore,
  queues: CampaignQueues,
  createWith: CampaignSettings | undefined,
  ids: ContactIdScheme,
): ContactSink {
  const campaignId = options.campaignId;
  if (options.dryRun) return new DryRunContactSink({ redis: deps.redis, keys: deps.keys, campaignId });
  let created: Promise<void> | undefined;
  const ensureCampaign = () =>
    (created ??= createWith
      ? createCampaignWithIds(deps, store, campaignId, createWith, ids).then(() => undefined)
      : Promise.resolve());
  return new RedisContactSink({
    redis: deps.redis,
    keys: deps.keys,
    store,
    queue: queues.get(campaignId),
    campaignId,
    ensureCampaign,
    locales: new LocaleStore(deps.redis, deps.keys),
  });
}
