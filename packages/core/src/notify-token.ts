/** What a notify token names: one attempt of one contact of one campaign. */
export interface AttemptRef {
  campaignId: string;
  contactId: string;
  attempt: number;
}

export type TokenFailure = 'expired' | 'bad-signature' | 'wrong-audience' | 'malformed';

/**
 * The header every dial-out asks the gateway to send back with each notification (`notifyHeaders`), carrying
 * the same token as the notify URL: a second proof, checked by the ingester against the URL's.
 */
export const NOTIFY_TOKEN_HEADER = 'x-dialer-token';

/** The `iss` claim of every notify token. */
export const NOTIFY_TOKEN_ISSUER = 'savg-dialer';

export interface NotifyTokenOptions {
  secret: string;
  /** Deployment id: tokens of another deployment are refused. */
  audience: string;
  /** Lifetime; must outlive the longest call. */
  ttlMs: number;
}
