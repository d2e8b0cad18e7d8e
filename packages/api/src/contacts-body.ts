import { createWriteStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';
import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { DialerError } from '@dialer/core';

/** Most contacts one JSON request may carry (larger lists: several requests, or a text/csv body). */
export const MAX_JSON_CONTACTS = 10_000;
/** Largest text/csv body (bytes): a CSV this size is millions of contacts; split anything larger. */
export const MAX_CSV_BYTES = 1 << 30;

export const jsonContactSchema = z.object({
  phone: z.string().min(1).max(256).describe('E.164, a national number with defaultCountry, or a SIP URI'),
  name: z.string().max(1000).optional(),
  timezone: z.string().max(64).optional().describe('IANA zone, e.g. America/New_York (else from the number)'),
  metadata: z
    .record(z.string().min(1).max(64), z.union([z.string().max(4096), z.number(), z.boolean()]))
    .optional()
    .describe('extra fields for the call, like the extra columns of a CSV'),
});
export type JsonContact = z.infer<typeof jsonContactSchema>;

/** The columns the producer recognises first; metadata keys become the following columns. */
const FIXED_COLUMNS = ['phone', 'name', 'timezone'];

/**
 * Writes JSON contacts as the CSV `dialer produce` reads (phone,name,timezone,<metadata keys…>), so they go
 * through exactly its normalisation, time-zone, suppression and de-duplication rules. Contact i is row i + 2.
 */
export async function writeJsonContacts(contacts: JsonContact[], path: string): Promise<void> {
  const metaKeys = [...new Set(contacts.flatMap((c) => Object.keys(c.metadata ?? {})))];
  async function* records(): AsyncGenerator<string[]> {
    yield [...FIXED_COLUMNS, ...metaKeys];
    for (const c of contacts) {
      yield [c.phone, c.name ?? '', c.timezone ?? '', ...metaKeys.map((k) => metaCell(c.metadata?.[k]))];
    }
  }
  await pipeline(records(), stringify(), createWriteStream(path, { mode: 0o600, flags: 'wx' }));
}

const metaCell = (v: string | number | boolean | undefined) => (v === undefined ? '' : String(v));

/**
 * Streams a text/csv body to `path` (never whole in memory), refusing one over MAX_CSV_BYTES; returns the
 * SHA-256 of the bytes (the request's fingerprint for Idempotency-Key).
 */
export async function writeCsvBody(body: Readable, path: string, maxBytes = MAX_CSV_BYTES): Promise<string> {
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        done(
          new DialerError(
            'DIALER_ERR_API_INPUT',
            `The CSV body is larger than ${maxBytes} bytes: split it into several requests`,
          ),
        );
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, meter, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
  return hash.digest('hex');
}
