// The public surface of @dialer/producer: the streaming CSV import behind `dialer produce`.
// Nothing here loads @dialer/core (BullMQ, ioredis…) until an import runs: the CLI's main thread only
// starts the import thread, which loads them itself.
export { runImport, runImportIsolated, prestartImportThread, type IsolatedImportEnv } from './isolated-import.js';
export { resolveSettingsFiles, checkNewCampaignId, checkDefaultCountry, createCampaign } from './campaign-inputs.js';
export type { CampaignCreateDeps } from './campaign-create.js';
export { DEFAULT_CHUNK_SIZE, DEFAULT_MAX_IN_FLIGHT, PHONE_COLUMN_NAMES, SUPPRESSED_AT_IMPORT } from './import-types.js';
export type { ImportOptions, ImportDeps, ImportCounts, ImportProgress, ImportSummary } from './import-types.js';
