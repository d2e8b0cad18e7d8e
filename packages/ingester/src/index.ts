// The public surface of @dialer/ingester. Named exports only: what is not listed here is internal.
export { buildIngester, type Ingester, type IngesterDeps } from './build-ingester.js';
export { buildIngesterApp, type IngesterAppDeps } from './ingester-app.js';
export { NotifyHandoff, type NotifyHandoffOptions } from './notify-handoff.js';
export { NotificationProcessor, type NotificationProcessorDeps } from './notification-processor.js';
export { LostWatchdog, LOST_REASON, type LostWatchdogDeps } from './lost-watchdog.js';
export { Reconciler, type ReconcilerDeps } from './reconciler.js';
export { AttemptEnder, type AttemptEnderDeps, type EndedAttempt } from './attempt-ender.js';
export { CampaignSettingsCache } from './campaign-settings-cache.js';
export { IngesterMetrics, type NotificationResult, type ProcessedResult } from './ingester-metrics.js';
export { NOTIFY_ROUTE, NOTIFY_HEADER_ROUTE } from './notify-route.js';
export { REFUSAL_REASONS, type RefusalReason } from './notify-auth.js';
export {
  MAX_ITEMS_PER_JOB,
  NOTIFY_JOB_NAME,
  NOTIFY_JOB_OPTIONS,
  NOTIFY_RETENTION,
  type NotifyItem,
  type NotifyJobData,
} from './notify-job.js';
export { buildResultsService, type ResultsService } from './results-service.js';
export { ResultsMover, type ResultsMoverDeps } from './results-mover.js';
export { ResultsDeliverer, type ResultsDelivererDeps } from './results-deliverer.js';
export { ResultsMetrics } from './results-metrics.js';
