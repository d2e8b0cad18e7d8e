import {
  contactLocale,
  encodeLocale,
  isValidTimeZone,
  localeKey,
  newContactRecord,
  normalizeNumber,
  type ContactIdFn,
  type ContactLocale,
  type ContactRecord,
} from '@dialer/core';
import type { ColumnMap } from './columns.js';

export type MappedRow =
  | { kind: 'blank' }
  | { kind: 'reject'; reason: string }
  | { kind: 'contact'; contactId: string; record: ContactRecord; locale: [key: string, encoded: string] };

/** Why a contact no zone can be found for is not imported (when the campaign sets no `window.timezone`). */
export const TIMEZONE_UNKNOWN = 'timezone unknown';

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
  /** contactLocale's answers are shared objects: their stored key is worked out once each. */
  private readonly localeKeys = new WeakMap<ContactLocale, [string, string]>();

  constructor(
    private readonly columns: ColumnMap,
    private readonly defaultCountry: string | undefined,
    /** The campaign's contact ids (contact-ids.ts in core). */
    private readonly contactId: ContactIdFn,
    /** Whether the campaign takes contacts no time zone is known for (it sets `window.timezone`, or calls at any hour). */
    private readonly takesUnknownZones: boolean,
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
    // Every zone the contact may be in (the CSV's, else the numbering plan's, widened where it does not tell);
    // none known and none set by the campaign: never dialed, rather than called at a guessed hour.
    const locale = contactLocale({ number: normalized.number, timezone: tz });
    if (locale.zones.length === 0 && !this.takesUnknownZones) {
      return {
        kind: 'reject',
        reason: `${TIMEZONE_UNKNOWN}: no zone is known for "${raw.trim()}" and the campaign sets no window.timezone`,
      };
    }
    const stored = this.localeOf(locale);
    const record = newContactRecord({ p: normalized.number, r: row, nm: name, md, tz, lk: stored[0] });
    return { kind: 'contact', contactId: this.contactId(normalized.number), record, locale: stored };
  }

  private localeOf(locale: ContactLocale): [string, string] {
    let stored = this.localeKeys.get(locale);
    if (!stored) {
      const encoded = encodeLocale(locale);
      stored = [localeKey(encoded), encoded];
      this.localeKeys.set(locale, stored);
    }
    return stored;
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
