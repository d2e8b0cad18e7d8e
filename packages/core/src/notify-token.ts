/** What a notify token names: one attempt of one contact of one campaign. */
export interface AttemptRef {
  campaignId: string;
  contactId: string;
  attempt: number;
}

export type TokenFailure = 'expired' | 'bad-signature' | 'wrong-audience' | 'malformed';

/** The `iss` claim of every notify token. */
export const NOTIFY_TOKEN_ISSUER = 'savg-dialer';

export interface NotifyTokenOptions {
  secret: string;
  /** Deployment id: tokens of another deployment are refused. */
  audience: string;
  /** Lifetime; must outlive the longest call. */
  ttlMs: number;
}
