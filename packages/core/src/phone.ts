import { hash } from 'node:crypto';
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { fastE164 } from './phone-fast.js';

export type NormalizedNumber =
  { ok: true; number: string; target: string; country?: string } | { ok: false; reason: string };

const SIP_URI = /^sips?:[^\s@]+@[^\s@]+$/i;

/**
 * Normalizes what a person typed into the number we store and dedupe on: E.164 for telephone numbers
 * (validated with libphonenumber's full metadata), or the SIP URI unchanged. `target` is what SAVG dials.
 */
export function normalizeNumber(raw: string, defaultCountry?: string): NormalizedNumber {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: 'empty phone number' };
  if (/^sips?:/i.test(value)) {
    return SIP_URI.test(value)
      ? { ok: true, number: value, target: value }
      : { ok: false, reason: 'malformed SIP URI' };
  }
  const cleaned = value.replace(/^tel:/i, '').replace(/^00/, '+');
  const country = defaultCountry?.toUpperCase();
  // An unknown default country makes libphonenumber refuse every number: leave that answer to it.
  const fast = country === undefined || isSupportedCountry(country) ? fastE164(cleaned) : undefined;
  if (fast) {
    return fast.valid
      ? { ok: true, number: cleaned, target: `tel:${cleaned}`, country: fast.country }
      : { ok: false, reason: 'invalid phone number' };
  }
  const parsed = parsePhoneNumberFromString(cleaned, country as CountryCode | undefined);
  if (!parsed) {
    return {
      ok: false,
      reason:
        cleaned.startsWith('+') || defaultCountry
          ? 'not a phone number'
          : 'not in international format and no default country given',
    };
  }
  if (!parsed.isValid()) return { ok: false, reason: 'invalid phone number' };
  return { ok: true, number: parsed.number, target: `tel:${parsed.number}`, country: parsed.country };
}

/**
 * The contact id of campaigns created before keyed ids: a bare digest of the normalized number. It can be
 * reversed by trying every number, so new campaigns use an HMAC instead (contact-ids.ts); old ones keep
 * this one, since their dedupe depends on it.
 */
export function contactIdFor(normalizedNumber: string): string {
  // The one-shot hash: a Hash object per contact of a big import is garbage the import does not need.
  return hash('sha256', normalizedNumber, 'base64url').slice(0, 16);
}

/** The SAVG `target` for a stored number. */
export function targetFor(normalizedNumber: string): string {
  return /^sips?:/i.test(normalizedNumber) ? normalizedNumber : `tel:${normalizedNumber}`;
}

/**
 * The `target` in a campaign's `targetFormat`: `e164` as {@link targetFor}, or `digits`, `tel:<digits>` without
 * the `+` (as in the vendor's sample, for gateways that want it so). SIP URIs are sent as they are.
 */
export function targetAs(normalizedNumber: string, format: 'e164' | 'digits' = 'e164'): string {
  const target = targetFor(normalizedNumber);
  return format === 'digits' && target.startsWith('tel:+') ? `tel:${target.slice(5)}` : target;
}
