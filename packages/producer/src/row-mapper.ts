import { isValidTimeZone, newContactRecord, normalizeNumber, type ContactIdFn, type ContactRecord } from '@dialer/core';
import type { ColumnMap } from './columns.js';

export type MappedRow =
  | { kind: 'blank' }
  | { kind: 'reject'; reason: string }
  | { kind: 'contact'; contactId: string; record: ContactRecord };

const BLANK: MappedRow = { kind: 'blank' };
const TIMEZONE_CACHE_LIMIT = 10_000;

function isBlank(values: string[]): boolean {
  for (const v of values) if (v.trim() !== '') return false;
  return true;
}

/** Turns one CSV row into a contact record, or the reason it is rejected. Pure apart from a zone cache. */
export class RowMapper {
  /** Zone as written → canonical IANA name, or null when invalid. Files repeat a handful of zones. */
  private readonly zones = new Map<string, string | null>();

  constructor(
    private readonly columns: ColumnMap,
    private readonly defaultCountry: string | undefined,
    /** The campaign's contact ids (contact-ids.ts in core). */
    private readonly contactId: ContactIdFn,
  ) {}

  map(values: string[], row: number): MappedRow {
    if (isBlank(values)) return BLANK;
    const width = this.columns.header.length;
    if (values.length !== width && !(values.length > width && isBlank(values.slice(width)))) {
      return { kind: 'reject', reason: `expected ${width} columns, found ${values.length}` };
    }
    const raw = values[this.columns.phone] ?? '';
    const normalized = normalizeNumber(raw, this.defaultCountry);
    if (!normalized.ok) return { kind: 'reject', reason: `${normalized.reason}: "${raw.trim()}"` };

    let tz: string | undefined;
    if (this.columns.timezone !== undefined) {
      const written = (values[this.columns.timezone] ?? '').trim();
      if (written !== '') {
        const zone = this.zone(written);
        if (!zone)
          return {
            kind: 'reject',
            reason: `invalid timezone "${written}" (expected an IANA name such as America/New_York)`,
          };
        tz = zone;
      }
    }
    const name = this.columns.name === undefined ? undefined : (values[this.columns.name] ?? '').trim() || undefined;
    let md: Record<string, string> | undefined;
    for (const [i, key] of this.columns.metadata) {
      // An empty cell means "no value": it must not override the campaign's metadata default.
      const v = values[i];
      if (v !== undefined && v !== '') (md ??= {})[key] = v;
    }
    const record = newContactRecord({ p: normalized.number, r: row, nm: name, md, tz });
    return { kind: 'contact', contactId: this.contactId(normalized.number), record };
  }

  private zone(written: string): string | null {
    let zone = this.zones.get(written);
    if (zone === undefined) {
      zone = isValidTimeZone(written)
        ? new Intl.DateTimeFormat('en-US', { timeZone: written }).resolvedOptions().timeZone
        : null;
      if (this.zones.size < TIMEZONE_CACHE_LIMIT) this.zones.set(written, zone);
    }
    return zone;
  }
}
