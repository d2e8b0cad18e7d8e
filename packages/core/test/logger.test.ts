import { describe, it, expect } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, maskPhone, scrubText } from '@dialer/core';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

const PHONE = '+15551234567';
const SECRET = 'super-secret-client-secret-value';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJhcHBJZCI6ImNzLTEifQ.c2lnbmF0dXJlLXZhbHVl';

describe('logger redaction', () => {
  it('never writes a secret, a JWT or a full phone number', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'trace', destination });
    log.info({ phone: PHONE, target: `tel:${PHONE}`, clientSecret: SECRET, headers: { auth: JWT } }, 'dial-out');
    log.info({ req: { headers: { auth: JWT, authorization: `Bearer ${JWT}` } } }, 'request');
    log.child({ phone: maskPhone(PHONE) }).warn(`calling ${PHONE} with ${JWT}`);
    log.error({ err: new Error(`SAVG refused ${PHONE} token ${JWT}`) }, 'failed');
    log.debug({ notifyurl: `https://x.example/notify/${JWT}`, password: SECRET, token: JWT }, 'config');
    log.debug({ body: { notifyHeaders: { 'x-dialer-token': JWT } } }, 'dial-out body');
    const out = lines.join('');
    expect(lines).toHaveLength(6);
    expect(out).not.toContain(PHONE);
    expect(out).not.toContain('5551234567');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(JWT);
    expect(out).toContain('***4567');
  });

  it('masks phone numbers to their last 4 digits', () => {
    expect(maskPhone('+15551234567')).toBe('***4567');
    expect(maskPhone('sip:+4930123456@example.com')).toBe('***3456');
    expect(maskPhone(undefined)).toBe('[REDACTED]');
    // Masking twice (the caller, then the logger's redaction of a `phone` field) keeps the last 4 digits.
    expect(maskPhone(maskPhone('+15551234567'))).toBe('***4567');
    expect(scrubText('call +1 (555) 123-4567 now, attempt 3 of 10')).toBe('call ***4567 now, attempt 3 of 10');
  });
});
