/**
 * Every time zone and region a contact may be in, never a guess: the calling window is then evaluated in each
 * of them (the strictest reading). The rules are in docs/design.md (Time zones of a contact); in short:
 * the CSV's zone if it has one, else the numbering plan's zones for the number's longest known prefix
 * (libphonenumber's number → zone data, shared with phone-timezone.ts), widened to every zone of the
 * country where the plan cannot place the number (mobile and non-geographic numbers, answers given for a
 * whole country), and completed from the state or province where the data is coarse (NANP area codes,
 * Australian areas).
 *
 * Pure and synchronous: the zone data file is read on the first call (the NANP area codes' regions come from
 * a table generated at development time, nanp-regions.ts), and answers are kept per class of number
 * (country, type and the prefix digits that decide), so an import of a million rows costs about one
 * libphonenumber type check per row.
 */
import ct from 'countries-and-timezones';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { IANAZone } from 'luxon';
import { AU_AREAS, COUNTRY_REGIONS, REGION_ZONES } from './contact-locale-data.js';
import { nanpRegions } from './nanp-regions.js';
import { fastNumberType, type NumberType } from './phone-fast.js';
import { zoneEntryOf } from './phone-timezone.js';

export interface ContactLocale {
  /** IANA zones the contact may be in (sorted, deduplicated); empty = unknown. */
  zones: string[];
  /** ISO 3166-2 region codes the number may be in (e.g. 'US-ND', 'CA-ON', 'AU-WA'), sorted; empty = unknown. */
  regions: string[];
  /**
   * 'csv' (the CSV's timezone column, trusted), 'plan' (the numbering plan narrowed it), 'country' (widened to
   * every zone of the country), 'none'.
   */
  source: 'csv' | 'plan' | 'country' | 'none';
  /** ISO country of the number, when known. */
  country?: string;
}

/** What the answer depends on, once the number is known valid. */
interface NumberFacts {
  /** Country code and national number, no `+`. */
  digits: string;
  callingCode: string;
  country?: string;
  type?: NumberType;
}

/** The memo key spans at least this many digits: NANP's 1 + area code + 1, Australia's 61 + area digits. */
const KEY_DIGITS = 5;
/** Classes of numbers kept; past this (hostile input) the memo starts over. */
const MAX_MEMO = 100_000;
const NANP = '1';
/** NANP national numbers: area code (3 digits), then exchange. */
const AREA_CODE_END = 4;
/** Australia's geographic data answers per area (61 2, 61 3, 61 7, 61 8 x): 4 digits at most. */
const AU_AREA_PREFIX_MAX = 4;

const NONE: ContactLocale = locale([], [], 'none');
const memo = new Map<string, ContactLocale>();
const csvMemo = new WeakMap<ContactLocale, Map<string, ContactLocale>>();
const zoneValid = new Map<string, boolean>();
const canonicalZones = new Map<string, string>();
const countryZoneMemo = new Map<string, string[]>();

/**
 * The zones and regions a contact may be in. `number` is as stored (E.164, or a SIP URI); `timezone` is the
 * CSV's column, trusted when it is a valid IANA zone (ignored otherwise). The answer is shared and frozen.
 */
export function contactLocale(input: { number: string; timezone?: string }): ContactLocale {
  const base = numberLocale(input.number);
  const tz = input.timezone;
  if (tz === undefined || !isValidZone(tz)) return base;
  let byZone = csvMemo.get(base);
  if (!byZone) csvMemo.set(base, (byZone = new Map<string, ContactLocale>()));
  let out = byZone.get(tz);
  if (!out) byZone.set(tz, (out = locale([tz], base.regions, 'csv', base.country)));
  return out;
}

function numberLocale(number: string): ContactLocale {
  const facts = numberFacts(number);
  if (!facts) return NONE;
  const entry = zoneEntryOf(facts.digits);
  const keyDigits = facts.digits.slice(0, Math.max(entry?.prefix.length ?? 0, KEY_DIGITS));
  const key = `${facts.country ?? ''}|${facts.type ?? ''}|${keyDigits}`;
  let out = memo.get(key);
  if (!out) {
    if (memo.size >= MAX_MEMO) memo.clear();
    memo.set(key, (out = classify(facts, entry)));
  }
  return out;
}

/** Country, type and digits of a valid telephone number; undefined for SIP URIs and invalid numbers. */
function numberFacts(number: string): NumberFacts | undefined {
  if (/^sips?:/i.test(number)) return undefined;
  const fast = fastNumberType(number);
  if (fast) {
    if (!fast.valid) return undefined;
    return { digits: number.slice(1), callingCode: fast.callingCode, country: fast.country, type: fast.type };
  }
  // The numbers the fast path leaves (a national prefix after the country code, formatting): libphonenumber.
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed?.isValid()) return undefined;
  return {
    digits: parsed.number.slice(1),
    callingCode: parsed.countryCallingCode,
    country: parsed.country,
    type: parsed.getType(),
  };
}

/**
 * Whether the number type places a number: fixed lines, and NANP's FIXED_LINE_OR_MOBILE (its plan cannot tell
 * mobiles from fixed lines, but allots both by area code). Elsewhere FIXED_LINE_OR_MOBILE, mobiles,
 * non-geographic types and untyped numbers may be anywhere in the country.
 */
function isGeographic(facts: NumberFacts): boolean {
  return facts.type === 'FIXED_LINE' || (facts.type === 'FIXED_LINE_OR_MOBILE' && facts.callingCode === NANP);
}

function classify(facts: NumberFacts, entry: { prefix: string; zones: string } | undefined): ContactLocale {
  const { country } = facts;
  // Non-geographic calling codes (+800, +882, …) have no country, hence no zone.
  if (!country) return NONE;
  const plan = entry ? entry.zones.split('&') : [];
  const prefixLength = entry?.prefix.length ?? 0;
  // An answer at the bare country-code level is the data's convention for the whole country, not a place.
  const countryWide = prefixLength <= facts.callingCode.length;
  const widened = () => {
    const zones = countryZones(country);
    // A country the tz database lists no zones for (Kosovo, Ascension, Tristan da Cunha): one zone each.
    if (zones.length === 0) return plan.length ? locale(plan, [], 'plan', country) : locale([], [], 'none', country);
    return locale(zones, COUNTRY_REGIONS[country] ?? [], 'country', country);
  };
  if (!isGeographic(facts)) return widened();

  if (facts.callingCode === NANP) {
    const regions = nanpRegions(facts.digits.slice(1, AREA_CODE_END));
    // An exchange-level entry (area code + more digits) is trusted as it is.
    if (prefixLength > AREA_CODE_END) return locale(plan, regions, 'plan', country);
    // At area-code level the data is coarse (+1 850: New_York only, for a panhandle that is partly Central):
    // the state's zones are added. With no entry below the country code, the state's zones are the answer.
    if (regions.length === 0) return countryWide ? widened() : locale(plan, regions, 'plan', country);
    const stateZones = regions.flatMap((r) => REGION_ZONES.get(r) ?? []);
    return locale(countryWide ? stateZones : [...plan, ...stateZones], regions, 'plan', country);
  }

  if (country === 'AU') {
    const area = auArea(facts.digits.slice(facts.callingCode.length));
    if (!area) return widened();
    if (prefixLength > AU_AREA_PREFIX_MAX) return locale(plan, area.regions, 'plan', country);
    // At area level the data is a convention (Sydney for 02, 03 and 07, though Queensland keeps no DST;
    // Adelaide&Perth for all of 08): the numbering plan's area decides (08 9 and 08 6 are Perth).
    if (countryWide) return widened();
    return locale(area.zones, area.regions, 'plan', country);
  }

  return countryWide ? widened() : locale(plan, [], 'plan', country);
}

/** The Australian area of a national number: the longest key of AU_AREAS that starts it. */
function auArea(national: string): { regions: string[]; zones: string[] } | undefined {
  for (let len = 3; len > 0; len--) {
    const area = AU_AREAS[national.slice(0, len)];
    if (area) return area;
  }
  return undefined;
}

function countryZones(country: string): string[] {
  let zones = countryZoneMemo.get(country);
  if (!zones) {
    zones = (ct.getTimezonesForCountry(country) ?? []).map((z) => z.name);
    countryZoneMemo.set(country, zones);
  }
  return zones;
}

/** The tz database's canonical name of a zone (its links resolved: Asia/Calcutta → Asia/Kolkata). */
function canonical(zone: string): string {
  let name = canonicalZones.get(zone);
  if (name === undefined) {
    name = ct.getTimezone(zone)?.aliasOf ?? zone;
    canonicalZones.set(zone, name);
  }
  return name;
}

function isValidZone(zone: string): boolean {
  let valid = zoneValid.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (zoneValid.size >= MAX_MEMO) zoneValid.clear();
    zoneValid.set(zone, valid);
  }
  return valid;
}

/** A frozen answer: zones canonical, sorted and deduplicated; regions sorted and deduplicated. */
function locale(
  zones: readonly string[],
  regions: readonly string[],
  source: ContactLocale['source'],
  country?: string,
): ContactLocale {
  const z = source === 'csv' ? [...zones] : [...new Set(zones.map(canonical))].sort();
  const out: ContactLocale = {
    zones: Object.freeze(z) as string[],
    regions: Object.freeze([...new Set(regions)].sort()) as string[],
    source: z.length ? source : 'none',
  };
  if (country) out.country = country;
  return Object.freeze(out);
}
