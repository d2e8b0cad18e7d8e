const MASKED = /^\*\*\*\d{4}$/;

/** Masks a phone number or SIP URI to its last 4 digits: logs may say which contact, never the number. */
export function maskPhone(value: unknown): string {
  if (typeof value !== 'string') return '[REDACTED]';
  // Already masked (a field masked by the caller and again by the logger's redaction keeps its last 4 digits).
  if (MASKED.test(value)) return value;
  const digits = value.replace(/\D/g, '');
  if (digits.length <= 4) return '****';
  return `***${digits.slice(-4)}`;
}

const JWT_PATTERN = /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}/g;
// Seven or more digits, allowing the separators people write numbers with.
const PHONE_PATTERN = /\+?\d(?:[\d\s().-]{5,}\d)/g;

/** Scrubs JWTs and phone-number-like digit runs out of free text (log messages, error messages). */
export function scrubText(text: string): string {
  return text.replace(JWT_PATTERN, '[JWT]').replace(PHONE_PATTERN, (m) => {
    const digits = m.replace(/\D/g, '');
    return digits.length >= 7 ? maskPhone(m) : m;
  });
}
