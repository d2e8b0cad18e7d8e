// The public surface of @dialer/producer: the streaming CSV import behind `dialer produce`.
export { runImport, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_IN_FLIGHT } from './run-import.js';
export { runImportIsolated, type IsolatedImportEnv } from './isolated-import.js';
export { PHONE_COLUMN_NAMES } from './columns.js';
export { SUPPRESSED_AT_IMPORT } from './contact-sinks.js';
export type { ImportOptions, ImportDeps, ImportCounts, ImportProgress, ImportSummary } from './import-types.js';
