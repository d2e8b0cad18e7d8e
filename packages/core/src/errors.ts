/**
 * One registry of stable error codes. Every code is documented in docs/errors.md and raised somewhere in the
 * packages' sources; a test keeps the three in sync. Codes never change meaning once released: scripts and
 * dashboards match on them. The other dial-out answers (refused credentials, rejected, 429, uncertain) are
 * outcomes the worker records, not errors: see packages/worker/README.md.
 */
export const ERROR_CODES = {
  DIALER_ERR_CONFIG: 'An environment variable is missing or invalid; the message names it.',
  DIALER_ERR_SETTINGS: 'A campaign settings file is invalid; the message names the key.',
  DIALER_ERR_CSV: 'The CSV file is unusable (missing, unreadable, no header, no phone column, bad encoding).',
  DIALER_ERR_CAMPAIGN_NOT_FOUND: 'The campaign id names no campaign.',
  DIALER_ERR_CAMPAIGN_STATE:
    'The campaign is in a state that does not allow the operation (e.g. resuming a cancelled campaign).',
  DIALER_ERR_PHONE: 'A phone number could not be normalized to E.164 (or is not a SIP URI).',
  DIALER_ERR_TOKEN: 'A notify token is missing, forged, expired or from another deployment.',
  DIALER_ERR_NOTIFICATION: 'A notification body is malformed.',
  DIALER_ERR_SAVG_UNAVAILABLE:
    'SAVG could not be reached, or refused the request (408/503, or 502/504 with its own JSON error); the dial-out is retried without spending an attempt.',
  DIALER_ERR_REDIS: 'Redis is unreachable or refused a command.',
  DIALER_ERR_BOARD_AUTH: 'The board has no credentials configured and was not told to run open on 127.0.0.1.',
  DIALER_ERR_REDIS_SERVER: 'No redis-server binary was found to start a private Redis.',
  DIALER_ERR_OUTPUT_FILE:
    'An output file (report, rejects) cannot be written safely: the path is a symbolic link, not a regular file, or cannot be created.',
  DIALER_ERR_API_AUTH:
    'An HTTP API request has no valid API key (`Authorization: Bearer <key>`): missing, unknown or revoked.',
  DIALER_ERR_API_INPUT:
    'An HTTP API request is malformed (bad JSON, a field missing or of the wrong type, too many items, an unsupported content type); the message names the field.',
  DIALER_ERR_API_IDEMPOTENCY:
    'An `Idempotency-Key` was reused with a different request, or while its first request is still running.',
  DIALER_ERR_API_INTERNAL: 'The HTTP API failed unexpectedly (answered 500); the API process logged the error.',
  DIALER_ERR_API_KEY:
    'An API key name is invalid or already taken, or no API key has the id or name given (`dialer apikey`).',
  DIALER_ERR_LIMITS:
    'A global limit given at run time is invalid (the rate not a number above 0 and at most 10000, the live-call cap not a positive integer); the message names it.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error type the dialer throws on purpose: a stable code plus a human message. When it stands for
 * another error (a failed read, an unreachable Redis), that error is its `cause` (ES2022), for the logs and
 * the CLI, which prints the chain's messages.
 */
export class DialerError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DialerError';
    this.code = code;
    this.details = details;
  }
}

export function isDialerError(err: unknown, code?: ErrorCode): err is DialerError {
  return err instanceof DialerError && (code === undefined || err.code === code);
}
