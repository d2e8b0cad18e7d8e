// The zones and regions a contact may be in (contact-locale.ts): exact sets for the cases the numbering data
// gets wrong on its own (mobile ranges given one zone, area codes spanning zones, toll-free numbers), and the
// hand data checked against the packages it completes.
import { describe, expect, it } from '@jest/globals';
import ct from 'countries-and-timezones';
import { IANAZone } from 'luxon';
import { contactLocale } from '../src/contact-locale.js';
import { AU_AREAS, COUNTRY_REGIONS, REGION_ZONES, regionsOfGeocoderName } from '../src/contact-locale-data.js';
import { normalizeNumber } from '../src/phone.js';
import { geoCarrierResource, zoneEntryOf } from '../src/phone-timezone.js';

const AU_ZONES = [
  'Antarctica/Macquarie',
  'Asia/Tokyo', // the tz database: Eyre Bird Observatory, WA
  'Australia/Adelaide',
  'Australia/Brisbane',
  'Australia/Broken_Hill',
  'Australia/Darwin',
  'Australia/Eucla',
  'Australia/Hobart',
  'Australia/Lindeman',
  'Australia/Lord_Howe',
  'Australia/Melbourne',
  'Australia/Perth',
  'Australia/Sydney',
];
const AU_REGIONS = ['AU-ACT', 'AU-NSW', 'AU-NT', 'AU-QLD', 'AU-SA', 'AU-TAS', 'AU-VIC', 'AU-WA'];
const RU_ZONES = [
  'Asia/Anadyr',
  'Asia/Barnaul',
  'Asia/Chita',
  'Asia/Irkutsk',
  'Asia/Kamchatka',
  'Asia/Khandyga',
  'Asia/Krasnoyarsk',
  'Asia/Magadan',
  'Asia/Novokuznetsk',
  'Asia/Novosibirsk',
  'Asia/Omsk',
  'Asia/Sakhalin',
  'Asia/Srednekolymsk',
  'Asia/Tomsk',
  'Asia/Ust-Nera',
  'Asia/Vladivostok',
  'Asia/Yakutsk',
  'Asia/Yekaterinburg',
  'Europe/Astrakhan',
  'Europe/Kaliningrad',
  'Europe/Kirov',
  'Europe/Moscow',
  'Europe/Samara',
  'Europe/Saratov',
  'Europe/Simferopol',
  'Europe/Ulyanovsk',
  'Europe/Volgograd',
];
const US_ZONES = [
  'America/Adak',
  'America/Anchorage',
  'America/Boise',
  'America/Chicago',
  'America/Denver',
  'America/Detroit',
  'America/Indiana/Indianapolis',
  'America/Indiana/Knox',
  'America/Indiana/Marengo',
  'America/Indiana/Petersburg',
  'America/Indiana/Tell_City',
  'America/Indiana/Vevay',
  'America/Indiana/Vincennes',
  'America/Indiana/Winamac',
  'America/Juneau',
  'America/Kentucky/Louisville',
  'America/Kentucky/Monticello',
  'America/Los_Angeles',
  'America/Menominee',
  'America/Metlakatla',
  'America/New_York',
  'America/Nome',
  'America/North_Dakota/Beulah',
  'America/North_Dakota/Center',
  'America/North_Dakota/New_Salem',
  'America/Phoenix',
  'America/Sitka',
  'America/Yakutat',
  'Pacific/Honolulu',
];
const ALASKA = [
  'America/Adak',
  'America/Anchorage',
  'America/Juneau',
  'America/Metlakatla',
  'America/Nome',
  'America/Sitka',
  'America/Yakutat',
];
const NONE = { zones: [], regions: [], source: 'none' };

/** The data's own answer for a number: which prefix decides (its length says area code or exchange level). */
const decidingPrefix = (e164: string) => zoneEntryOf(e164.slice(1))?.prefix;

describe('contactLocale', () => {
  it('widens an Australian mobile to every Australian zone (the data says Sydney for all of 04)', () => {
    expect(decidingPrefix('+61412345678')).toBe('614');
    expect(contactLocale({ number: '+61412345678' })).toEqual({
      zones: AU_ZONES,
      regions: AU_REGIONS,
      source: 'country',
      country: 'AU',
    });
  });

  it('places a Perth landline (08 9) in Australia/Perth alone, though the data says Adelaide&Perth', () => {
    expect(decidingPrefix('+61892251234')).toBe('6189');
    for (const number of ['+61892251234', '+61862251234'])
      expect(contactLocale({ number })).toEqual({
        zones: ['Australia/Perth'],
        regions: ['AU-WA'],
        source: 'plan',
        country: 'AU',
      });
  });

  it("keeps the data's set where a longer prefix names other zones (Eucla)", () => {
    expect(decidingPrefix('+61890393123')).toBe('61890393');
    expect(contactLocale({ number: '+61890393123' })).toEqual({
      zones: ['Australia/Adelaide', 'Australia/Eucla', 'Australia/Perth'],
      regions: ['AU-WA'],
      source: 'plan',
      country: 'AU',
    });
  });

  it('gives 08 8 both South Australia and the Northern Territory, and Queensland its own clock', () => {
    expect(contactLocale({ number: '+61882251234' })).toEqual({
      zones: ['Australia/Adelaide', 'Australia/Darwin'],
      regions: ['AU-NT', 'AU-SA'],
      source: 'plan',
      country: 'AU',
    });
    // 07 4: the data says Australia/Sydney (DST) for Townsville, which keeps none.
    expect(decidingPrefix('+61747211234')).toBe('617');
    expect(contactLocale({ number: '+61747211234' })).toEqual({
      zones: ['Australia/Brisbane', 'Australia/Lindeman'],
      regions: ['AU-QLD'],
      source: 'plan',
      country: 'AU',
    });
  });

  it('widens a Russian mobile to every Russian zone (the data says Moscow for all of 9xx)', () => {
    expect(decidingPrefix('+79141234567')).toBe('79');
    expect(contactLocale({ number: '+79141234567' })).toEqual({
      zones: RU_ZONES,
      regions: [],
      source: 'country',
      country: 'RU',
    });
    expect(contactLocale({ number: '+74951234567' })).toEqual({
      zones: ['Europe/Moscow'],
      regions: [],
      source: 'plan',
      country: 'RU',
    });
  });

  it('+1 701: the state completes an area-code-level answer; an exchange-level one is trusted', () => {
    // 701 201: no exchange entry, the area code's (Denver&North_Dakota/Center) plus North Dakota's zones.
    expect(decidingPrefix('+17012011234')).toBe('1701');
    expect(contactLocale({ number: '+17012011234' })).toEqual({
      zones: [
        'America/Chicago',
        'America/Denver',
        'America/North_Dakota/Beulah',
        'America/North_Dakota/Center',
        'America/North_Dakota/New_Salem',
      ],
      regions: ['US-ND'],
      source: 'plan',
      country: 'US',
    });
    // 701 222 and 701 225: exchange entries.
    expect(decidingPrefix('+17012221234')).toBe('170122');
    expect(contactLocale({ number: '+17012221234' })).toMatchObject({ zones: ['America/Chicago'], source: 'plan' });
    expect(decidingPrefix('+17012251234')).toBe('1701225');
    expect(contactLocale({ number: '+17012251234' })).toMatchObject({ zones: ['America/Denver'], regions: ['US-ND'] });
  });

  it("+1 850: the data's New_York plus Florida's Central panhandle", () => {
    expect(decidingPrefix('+18505551234')).toBe('1850');
    expect(contactLocale({ number: '+18505551234' })).toEqual({
      zones: ['America/Chicago', 'America/New_York'],
      regions: ['US-FL'],
      source: 'plan',
      country: 'US',
    });
    expect(contactLocale({ number: '+18502011234' }).zones).toEqual(['America/Chicago', 'America/New_York']);
  });

  it('+1 907: every Alaskan zone at area-code level, Juneau for a Juneau exchange', () => {
    expect(decidingPrefix('+19075551234')).toBe('1907');
    expect(contactLocale({ number: '+19075551234' })).toEqual({
      zones: ALASKA,
      regions: ['US-AK'],
      source: 'plan',
      country: 'US',
    });
    expect(decidingPrefix('+19072091234')).toBe('1907209');
    expect(contactLocale({ number: '+19072091234' })).toMatchObject({ zones: ['America/Juneau'], regions: ['US-AK'] });
  });

  it('widens a toll-free number to every US zone and region', () => {
    expect(contactLocale({ number: '+18002345678' })).toEqual({
      zones: US_ZONES,
      regions: COUNTRY_REGIONS.US,
      source: 'country',
      country: 'US',
    });
    expect(COUNTRY_REGIONS.US).toHaveLength(51);
  });

  it('places London numbers in London, and widens a UK mobile (one zone either way)', () => {
    expect(contactLocale({ number: '+442079460958' })).toEqual({
      zones: ['Europe/London'],
      regions: [],
      source: 'plan',
      country: 'GB',
    });
    expect(contactLocale({ number: '+447812345678' })).toEqual({
      zones: ['Europe/London'],
      regions: [],
      source: 'country',
      country: 'GB',
    });
  });

  it('knows nothing of SIP URIs, invalid numbers and numbers of no country', () => {
    for (const number of ['sip:alice@example.com', 'sips:bob@pbx.example.com', '+99912345678', '+1555', 'hello'])
      expect(contactLocale({ number })).toEqual(NONE);
    // +800: international freephone, valid but of no country.
    expect(normalizeNumber('+80012345678')).toMatchObject({ ok: true });
    expect(contactLocale({ number: '+80012345678' })).toEqual(NONE);
  });

  it("trusts the CSV's zone, keeping the number's regions", () => {
    expect(contactLocale({ number: '+18505551234', timezone: 'America/Chicago' })).toEqual({
      zones: ['America/Chicago'],
      regions: ['US-FL'],
      source: 'csv',
      country: 'US',
    });
    expect(contactLocale({ number: 'sip:alice@example.com', timezone: 'Europe/Paris' })).toEqual({
      zones: ['Europe/Paris'],
      regions: [],
      source: 'csv',
    });
    // Not a zone: the number decides.
    expect(contactLocale({ number: '+442079460958', timezone: 'Mars/Olympus' })).toMatchObject({ source: 'plan' });
  });

  it('names the region of NANP area codes, Canadian ones included, but not of Caribbean countries', () => {
    expect(contactLocale({ number: '+14165551234' })).toMatchObject({ regions: ['CA-ON'], country: 'CA' });
    expect(contactLocale({ number: '+12045551234' }).regions).toEqual(['CA-MB']);
    expect(contactLocale({ number: '+19025551234' }).regions).toEqual(['CA-NS', 'CA-PE']);
    expect(contactLocale({ number: '+12065551234' }).regions).toEqual(['US-WA']);
    expect(contactLocale({ number: '+12025551234' }).regions).toEqual(['US-DC']);
    // 310 has no area-code entry in the geocoder: its exchanges' places name the state.
    expect(contactLocale({ number: '+13105551234' }).regions).toEqual(['US-CA']);
    expect(contactLocale({ number: '+18765551234' })).toMatchObject({ regions: [], country: 'JM' });
    expect(contactLocale({ number: '+17875551234' })).toMatchObject({
      zones: ['America/Puerto_Rico'],
      regions: [],
      country: 'PR',
    });
  });

  it('answers a class of numbers with one shared, frozen object', () => {
    const a = contactLocale({ number: '+61412345678' });
    expect(contactLocale({ number: '+61412987654' })).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.zones) && Object.isFrozen(a.regions)).toBe(true);
    const csv = contactLocale({ number: '+61412345678', timezone: 'Australia/Perth' });
    expect(contactLocale({ number: '+61412987654', timezone: 'Australia/Perth' })).toBe(csv);
  });

  it('answers only zones the runtime knows, for numbers of every country', () => {
    const unknown = new Set<string>();
    for (const country of Object.keys(ct.getAllCountries()))
      for (const zone of ct.getTimezonesForCountry(country) ?? [])
        if (!IANAZone.isValidZone(zone.name)) unknown.add(zone.name);
    for (const zones of REGION_ZONES.values()) for (const z of zones) if (!IANAZone.isValidZone(z)) unknown.add(z);
    expect([...unknown]).toEqual([]);
  });
});

describe('contact-locale data', () => {
  it('names the state or province of every US and Canadian area code of the geocoder', () => {
    const areaCodes = new Set(Object.keys(geoCarrierResource('geocodes/en/1.bson')).map((p) => p.slice(0, 3)));
    const unmapped: string[] = [];
    let checked = 0;
    for (const areaCode of areaCodes) {
      const number = `+1${areaCode}2345678`;
      const parsed = normalizeNumber(number);
      if (!parsed.ok || (parsed.country !== 'US' && parsed.country !== 'CA')) continue;
      checked++;
      const { regions } = contactLocale({ number });
      if (regions.length === 0 || !regions.every((r) => r.startsWith(`${parsed.country}-`))) unmapped.push(areaCode);
    }
    expect(unmapped).toEqual([]);
    expect(checked).toBeGreaterThan(350);
    expect(regionsOfGeocoderName('Northwest Territories/Nunavut/Yukon')).toEqual(['CA-NT', 'CA-NU', 'CA-YT']);
    expect(regionsOfGeocoderName('San Antonio, TX')).toEqual(['US-TX']);
    expect(regionsOfGeocoderName('Negril')).toEqual([]);
  });

  it("lists only canonical zones of each region's country (countries-and-timezones)", () => {
    const wrong: string[] = [];
    const check = (code: string, zone: string) => {
      const tz = ct.getTimezone(zone);
      if (!tz || tz.aliasOf || !tz.countries.includes(code.slice(0, 2) as never)) wrong.push(`${code} ${zone}`);
    };
    for (const [code, zones] of REGION_ZONES) for (const z of zones) check(code, z);
    for (const area of Object.values(AU_AREAS)) for (const z of area.zones) check('AU', z);
    expect(wrong).toEqual([]);
    for (const area of Object.values(AU_AREAS)) for (const r of area.regions) expect(COUNTRY_REGIONS.AU).toContain(r);
  });
});
