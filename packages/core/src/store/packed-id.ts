/**
 * Reads back the ids a finished attempt's result keeps packed (lua/includes/pack-id.lua): `~` and 22 base64url
 * characters for a UUID with dashes, `!` for 32 hex digits. Anything else is returned as stored.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PACKED = /^[~!][A-Za-z0-9_-]{22}$/;

/** The id as the gateway sent it (`null` when there is none). */
export function unpackId(stored: string | undefined): string | null {
  if (stored === undefined) return null;
  if (!PACKED.test(stored)) return stored;
  let hex = '';
  for (let i = 1; i < 23; i += 2) {
    const value = ALPHABET.indexOf(stored[i]!) * 64 + ALPHABET.indexOf(stored[i + 1]!);
    // Ten groups of 12 bits, then the last 8.
    const digits = i < 21 ? 3 : 2;
    if (value >= 16 ** digits) return stored;
    hex += value.toString(16).padStart(digits, '0');
  }
  if (stored[0] === '!') return hex;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
