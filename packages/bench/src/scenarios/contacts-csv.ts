import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const AREAS = ['212', '312', '415', '617', '713', '305', '206', '404'];
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Los_Angeles',
  'America/New_York',
  'America/Chicago',
  'America/New_York',
  'America/Los_Angeles',
  'America/New_York',
];

/** The number on row `i` (0-based, after the header) of a generated contact file. */
export function csvNumber(i: number): string {
  const local = String(2_000_000 + Math.floor(i / AREAS.length) * 3).padStart(7, '0');
  return `+1${AREAS[i % AREAS.length]}${local}`;
}

/**
 * A realistic contact file for the import scenarios: valid, distinct US numbers over 8 area codes, a name, a
 * timezone and an account id (extra column → metadata). Streamed, so a 1M-row file costs no memory.
 */
export async function generateContactsCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('phone,name,timezone,account_id\n');
  let buf = '';
  for (let i = 0; i < rows; i++) {
    buf += `${csvNumber(i)},Customer ${i},${ZONES[i % AREAS.length]},ACC-${i}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
