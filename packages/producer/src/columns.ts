import { DialerError } from '@dialer/core';
import { PHONE_COLUMN_NAMES } from './import-types.js';

const NAME_COLUMNS = ['name'];
const TIMEZONE_COLUMNS = ['timezone', 'time_zone', 'tz'];

/** Where each recognised field sits in a row; every other named column becomes metadata. */
export interface ColumnMap {
  header: string[];
  phone: number;
  name: number | undefined;
  timezone: number | undefined;
  /** [column index, metadata key] for every other column with a name. */
  metadata: [number, string][];
}

/** `Phone Number`, `phone-number` and `PHONE_NUMBER` all mean phone_number. */
function canonical(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

function findColumn(canon: string[], names: readonly string[]): number | undefined {
  for (const name of names) {
    const i = canon.indexOf(name);
    if (i !== -1) return i;
  }
  return undefined;
}

function describeHeader(header: string[]): string {
  const shown = header.slice(0, 12).map((h) => JSON.stringify(h.trim()));
  return shown.join(', ') + (header.length > 12 ? `, … (${header.length} columns)` : '');
}

/** Reads the header row; throws DIALER_ERR_CSV naming the problem when no phone column can be found. */
export function resolveColumns(rawHeader: string[], file: string, phoneColumn?: string): ColumnMap {
  const header = rawHeader.map((h) => h.trim());
  const canon = header.map(canonical);
  let phone: number | undefined;
  if (phoneColumn !== undefined) {
    phone = header.indexOf(phoneColumn.trim());
    if (phone === -1) phone = canon.indexOf(canonical(phoneColumn));
    if (phone === -1) {
      throw new DialerError(
        'DIALER_ERR_CSV',
        `${file}: no column named "${phoneColumn}" (--phone-column); the header has ${describeHeader(header)}`,
        { file },
      );
    }
  } else {
    phone = findColumn(canon, PHONE_COLUMN_NAMES);
    if (phone === undefined) {
      throw new DialerError(
        'DIALER_ERR_CSV',
        `${file}: no phone column: the header row must name it ${PHONE_COLUMN_NAMES.join(', ')} (or pass --phone-column); ` +
          `the first row has ${describeHeader(header)}`,
        { file },
      );
    }
  }
  const name = findColumn(canon, NAME_COLUMNS);
  const timezone = findColumn(canon, TIMEZONE_COLUMNS);
  const used = new Set<string>();
  const metadata: [number, string][] = [];
  header.forEach((key, i) => {
    if (i === phone || i === name || i === timezone || key === '') return;
    // Two columns with the same name keep both values rather than silently dropping one.
    let unique = key;
    for (let n = 2; used.has(unique); n++) unique = `${key}_${n}`;
    used.add(unique);
    metadata.push([i, unique]);
  });
  return { header, phone, name, timezone, metadata };
}
