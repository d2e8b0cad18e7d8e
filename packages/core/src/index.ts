// The public surface of @dialer/core. Named exports only: what is not listed here is internal.
export { ERROR_CODES, DialerError, isDialerError, type ErrorCode } from './errors.js';
export { DEFAULTS, CONFIG_VARIABLES, loadConfig, type DialerConfig, type ConfigRole } from './config.js';
export { configWarnings, isLoopbackHost } from './config-checks.js';
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { maskPhone, scrubText } from './mask.js';
export { createRedis, parseRedisUrl, waitForRedis, type RedisClient, type RedisPurpose } from './redis.js';
export {
  createKeys,
  attemptJobId,
  attemptKey,
  CAMPAIGN_ID_PATTERN,
  NOTIFY_QUEUE,
  RESULTS_QUEUE,
  type Keys,
} from './store/keys.js';
export { OUTCOMES, CAMPAIGN_STATES, isOutcome, type Outcome, type CampaignState } from './outcomes.js';
export { contactState, mayHaveCall, type ContactState } from './store/contact-states.js';
export {
  campaignSettingsInputSchema,
  resolveCampaignSettings,
  regionRulesSchema,
  isValidTimeZone,
  REGION_CODE_PATTERN,
  RING_TIMEOUT_MAX_MS,
  RING_TIMEOUT_MIN_MS,
  TARGET_FORMATS,
  RESULTS_SECRET_MIN_LENGTH,
  MASKED_SECRET,
  maskSettings,
  type ResultsSettings,
  type TargetFormat,
  type CampaignSettings,
  type CampaignSettingsInput,
  type RedialRule,
  type RegionRule,
  type Weekday,
} from './campaign-settings.js';
export { decideRedial, type RedialDecision } from './redial-policy.js';
export { classifyNotification, sipCodeOf, type Classification, type ClassifierInput } from './classify.js';
export {
  NOTIFY_TOKEN_HEADER,
  NOTIFY_TOKEN_ISSUER,
  type AttemptRef,
  type NotifyTokenOptions,
  type TokenFailure,
} from './notify-token.js';
export { createNotifyTokenSigner, type NotifyTokenSigner } from './notify-token-signer.js';
export { createNotifyTokenVerifier, type NotifyTokenVerifier } from './notify-token-verifier.js';
export {
  notificationEventsChannel,
  notificationEventMessage,
  parseNotificationEvent,
  type NotificationEvent,
} from './notification-events.js';
export { normalizeNumber, contactIdFor, targetFor, targetAs, type NormalizedNumber } from './phone.js';
export {
  contactIdsFor,
  resolveContactIdScheme,
  checkCampaignContactIds,
  contactIdHasher,
  contactIdSchemeLabel,
  contactIdKeyFingerprint,
  deploymentContactIdKey,
  hmacContactIds,
  CONTACT_IDS_FIELD,
  type ContactIdScheme,
  type ContactIdFn,
} from './contact-ids.js';
export {
  isWindowOpen,
  nextWindowOpening,
  instantOfWallTime,
  wallClockMs,
  type CallingWindow,
} from './calling-window.js';
export { dialWindow, windowNeedsZone, type WindowDecision, type DialRules, type DialLocale } from './dial-window.js';
export { timeZoneOfNumber, contactTimeZone } from './phone-timezone.js';
export { contactLocale, type ContactLocale } from './contact-locale.js';
export { SuppressionList, normalizeSuppressed, type SuppressionScope, type NormalizedEntry } from './suppression.js';
export {
  newContactRecord,
  suppressedContactRecord,
  storedTime,
  timeText,
  type ContactRecord,
  type AttemptResultFields,
  type AttemptHistoryEntry,
} from './store/contact-record.js';
export { ApiKeyStore, API_KEY_PREFIX, type ApiKeyInfo, type CreatedApiKey } from './store/api-keys.js';
export { unpackId } from './store/packed-id.js';
export {
  CampaignStore,
  type CampaignMeta,
  type CampaignStats,
  type CampaignAction,
  type StateChange,
  type StrandedContact,
} from './store/campaign-store.js';
export {
  AttemptStore,
  deadlineMember,
  REDIAL_GUARD_MS,
  CANCELLED_REASON,
  HOLD_REASONS,
  type HoldReason,
  type BeginOutcome,
  type BeginOptions,
  type EndFrom,
  type EndInput,
  type EndOutcome,
  type EndResult,
} from './store/attempts.js';
export { Limits, type LiveScope, type LiveLimits, type Admission, type AdmissionRequest } from './store/limits.js';
export { AdmitClaim, type AdmissionClaim, type ClaimRequest } from './store/admit-claim.js';
export {
  GlobalLimitsStore,
  MAX_GLOBAL_RATE,
  type GlobalLimits,
  type GlobalLimitsChange,
  type LimitSource,
} from './store/global-limits.js';
export { dialAdmission, dialBotId } from './dial-admission.js';
export {
  PATCHABLE_SETTINGS,
  campaignSettingsPatchSchema,
  parseSettingsPatch,
  applySettingsPatch,
  settingsAsInput,
  type CampaignSettingsPatch,
  type PatchableSetting,
} from './settings-patch.js';
export {
  updateCampaignSettings,
  type SettingsUpdateDeps,
  type SettingsUpdateOptions,
  type SettingsUpdateResult,
} from './campaign-settings-update.js';
export { deleteCampaign, type CampaignDeleteDeps, type DeleteResult } from './campaign-delete.js';
export { ContactCaps, type CapReservation } from './store/contact-caps.js';
export { LocaleStore, encodeLocale, decodeLocale, localeKey, type LocaleProfile } from './store/locales.js';
export { parseContactCaps, parseCountWindows, quotaIntervalMs, type ContactCapRule } from './contact-cap-rules.js';
export {
  CampaignControl,
  openCampaignControl,
  effectiveState,
  QUEUE_PAUSED_REASON,
  type CampaignControlDeps,
  type CampaignStatus,
  type CancelResult,
  type ControlResult,
  type OpenedCampaignControl,
  type QueueStatus,
  type StatusOptions,
} from './campaign-control.js';
export {
  REPORT_COLUMNS,
  PENDING_LABELS,
  reportRow,
  reportRows,
  reportCells,
  type ReportColumn,
  type ReportRow,
} from './campaign-report.js';
export {
  ATTEMPT_REPORT_COLUMNS,
  attemptRows,
  attemptReportRows,
  attemptReportCells,
  type AttemptReportRow,
} from './attempt-report.js';
export {
  ResultsOutbox,
  parseOutboxEntry,
  resultsMetaFields,
  type OutboxEntry,
  type ResultKind,
} from './store/results-outbox.js';
export {
  DELIVERY_HEADER,
  TIMESTAMP_HEADER,
  SIGNATURE_HEADER,
  deliveryId,
  resultBody,
  resultJobData,
  resultSignature,
  retryDelayMs,
  retryTries,
  type ResultBody,
  type ResultJobData,
} from './results-delivery.js';
export {
  openResultsQueue,
  resultJobOptions,
  redeliverFailed,
  undeliveredCount,
  RESULTS_JOB_NAMES,
  RESULTS_KEEP_COMPLETED,
  RESULTS_KEEP_FAILED,
} from './results-queue.js';
export { escapeFormulaCell, escapeFormulaCells, createPrivateFile, refuseSymlink } from './safe-output.js';
// Child-process plumbing (the demo, the tests, the bench): node built-ins only, nothing runs at import.
export {
  findRedisServer,
  pingRedis,
  launchRedisServer,
  type LaunchRedisOptions,
  type LaunchedRedis,
} from './process/redis-server.js';
export { freePort, acceptsConnections, waitForPort, type WaitForPortOptions } from './process/ports.js';
export { stopProcess, signalProcess, processExited, hasExited, type StopOptions } from './process/stop-process.js';
export {
  CampaignQueues,
  addFirstAttempts,
  dialJobOptions,
  dialerBackoff,
  DIAL_JOB_NAME,
  KEEP_COMPLETED,
  KEEP_FAILED,
  DIAL_WORKER_KEEP,
  type DialJobData,
} from './dial-jobs.js';
export {
  dialoutRequestSchema,
  dialoutResponseSchema,
  dialoutTimersSchema,
  machineDetectionModeSchema,
  parseNotification,
  isTerminalStatus,
  TERMINAL_STATUSES,
  KNOWN_INTERIM_STATUSES,
  notifyHeadersSchema,
  normalizeSavgTime,
  toOldSpelling,
  toNewSpelling,
  toOldSavgTime,
  describeZodError,
  type DialoutRequest,
  type DialoutResponse,
  type DialoutTimers,
  type MachineDetectionMode,
  type SavgNotification,
  type ParseNotificationResult,
} from './savg/wire.js';
export {
  SavgAuthToken,
  SavgAuthError,
  verifySavgJwt,
  type SavgCredentials,
  type SavgAuthTokenOptions,
  type SavgJwtClaims,
  type SavgAuthErrorCode,
  type VerifySavgJwtOptions,
} from './savg/auth-jwt.js';
