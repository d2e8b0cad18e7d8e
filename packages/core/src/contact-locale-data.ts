/**
 * Hand-kept data for contact-locale.ts: US states, Canadian provinces and Australian states (ISO 3166-2 codes),
 * the IANA zones each one spans, and Australia's geographic numbering areas. No maintained npm package has it;
 * the country → zones table comes from `countries-and-timezones` instead.
 *
 * Where each entry comes from:
 * - tz: the tz database's zone1970.tab, whose comments name the states and provinces of each zone (e.g.
 *   "America/Boise  Mountain - ID (south), OR (east)"), and its `northamerica` notes (Indiana: "areas near
 *   Cincinnati and Louisville use those cities' timekeeping"). Zone names are zone1970.tab's, the canonical
 *   ones countries-and-timezones lists per country (Creston BC is America/Phoenix, Atikokan America/Panama,
 *   Blanc-Sablon America/Puerto_Rico).
 * - cfr: the US time zone boundaries, 49 CFR Part 71 (e.g. Florida west of the Apalachicola River is Central).
 * - local: a place that keeps another zone's clock by local practice; kept because the people there answer
 *   the phone on that clock.
 * - acma: Australia's numbering plan (ACMA): the area code and first digits of a geographic number.
 * A test checks every zone here is canonical and listed for the region's country by countries-and-timezones.
 */

const ET = 'America/New_York';
const CT = 'America/Chicago';
const MT = 'America/Denver';
const PT = 'America/Los_Angeles';

/** ISO 3166-2 code → [English name as the geocoder writes it, zones]. */
const US: Record<string, [string, string[]]> = {
  'US-AL': ['Alabama', [CT, ET]], // local: Phenix City area keeps Eastern time
  'US-AK': [
    'Alaska',
    [
      'America/Adak',
      'America/Anchorage',
      'America/Juneau',
      'America/Metlakatla',
      'America/Nome',
      'America/Sitka',
      'America/Yakutat',
    ],
  ], // tz
  'US-AZ': ['Arizona', ['America/Phoenix', MT]], // tz: the Navajo Nation keeps DST (America/Shiprock → Denver)
  'US-AR': ['Arkansas', [CT]],
  'US-CA': ['California', [PT]],
  'US-CO': ['Colorado', [MT]],
  'US-CT': ['Connecticut', [ET]],
  'US-DE': ['Delaware', [ET]],
  'US-DC': ['District of Columbia', [ET]],
  'US-FL': ['Florida', [ET, CT]], // cfr: west of the Apalachicola River is Central
  'US-GA': ['Georgia', [ET]],
  'US-HI': ['Hawaii', ['Pacific/Honolulu']],
  'US-ID': ['Idaho', ['America/Boise', PT]], // tz: Boise is ID (south); cfr: the north is Pacific
  'US-IL': ['Illinois', [CT]],
  'US-IN': [
    'Indiana',
    [
      'America/Indiana/Indianapolis',
      'America/Indiana/Knox',
      'America/Indiana/Marengo',
      'America/Indiana/Petersburg',
      'America/Indiana/Tell_City',
      'America/Indiana/Vevay',
      'America/Indiana/Vincennes',
      'America/Indiana/Winamac',
      'America/Kentucky/Louisville',
      CT,
      ET,
    ],
  ], // tz: the rest of Indiana is like Chicago, Louisville or New York
  'US-IA': ['Iowa', [CT]],
  'US-KS': ['Kansas', [CT, MT]], // cfr: four western counties are Mountain
  // tz; cfr: the west is Central
  'US-KY': ['Kentucky', [ET, 'America/Kentucky/Louisville', 'America/Kentucky/Monticello', CT]],
  'US-LA': ['Louisiana', [CT]],
  'US-ME': ['Maine', [ET]],
  'US-MD': ['Maryland', [ET]],
  'US-MA': ['Massachusetts', [ET]],
  'US-MI': ['Michigan', ['America/Detroit', 'America/Menominee']], // tz
  'US-MN': ['Minnesota', [CT]],
  'US-MS': ['Mississippi', [CT]],
  'US-MO': ['Missouri', [CT]],
  'US-MT': ['Montana', [MT]],
  'US-NE': ['Nebraska', [CT, MT]], // cfr: the west is Mountain
  'US-NV': ['Nevada', [PT, MT]], // cfr: West Wendover is Mountain; local: Jackpot too
  'US-NH': ['New Hampshire', [ET]],
  'US-NJ': ['New Jersey', [ET]],
  'US-NM': ['New Mexico', [MT]],
  'US-NY': ['New York', [ET]],
  'US-NC': ['North Carolina', [ET]],
  'US-ND': [
    'North Dakota',
    [CT, 'America/North_Dakota/Beulah', 'America/North_Dakota/Center', 'America/North_Dakota/New_Salem', MT],
  ], // tz, cfr: the southwest is Mountain
  'US-OH': ['Ohio', [ET]],
  'US-OK': ['Oklahoma', [CT, MT]], // local: Kenton keeps Mountain time
  'US-OR': ['Oregon', [PT, 'America/Boise']], // tz: Boise is OR (east)
  'US-PA': ['Pennsylvania', [ET]],
  'US-RI': ['Rhode Island', [ET]],
  'US-SC': ['South Carolina', [ET]],
  'US-SD': ['South Dakota', [CT, MT]], // cfr: the west is Mountain
  'US-TN': ['Tennessee', [ET, CT]], // cfr: east Tennessee is Eastern
  'US-TX': ['Texas', [CT, MT]], // cfr: El Paso and Hudspeth counties are Mountain
  'US-UT': ['Utah', [MT]],
  'US-VT': ['Vermont', [ET]],
  'US-VA': ['Virginia', [ET]],
  'US-WA': ['Washington', [PT]],
  'US-WV': ['West Virginia', [ET]],
  'US-WI': ['Wisconsin', [CT]],
  'US-WY': ['Wyoming', [MT]],
};

const CA: Record<string, [string, string[]]> = {
  'CA-AB': ['Alberta', ['America/Edmonton']],
  // tz: Vancouver (most), Edmonton BC(E), Dawson_Creek, Fort_Nelson, Phoenix (Creston)
  'CA-BC': [
    'British Columbia',
    ['America/Vancouver', 'America/Edmonton', 'America/Dawson_Creek', 'America/Fort_Nelson', 'America/Phoenix'],
  ],
  'CA-MB': ['Manitoba', ['America/Winnipeg']],
  'CA-NB': ['New Brunswick', ['America/Moncton']],
  'CA-NL': ['Newfoundland and Labrador', ['America/St_Johns', 'America/Goose_Bay']], // tz: Labrador (SE) is St_Johns
  'CA-NS': ['Nova Scotia', ['America/Halifax', 'America/Glace_Bay']],
  'CA-PE': ['Prince Edward Island', ['America/Halifax']],
  // tz: Winnipeg is ON (west), Panama is Atikokan
  'CA-ON': ['Ontario', ['America/Toronto', 'America/Winnipeg', 'America/Panama']],
  // tz: Puerto_Rico is Blanc-Sablon (Lower North Shore); local: the Magdalen Islands keep Atlantic time
  'CA-QC': ['Quebec', ['America/Toronto', 'America/Puerto_Rico', 'America/Halifax']],
  'CA-SK': ['Saskatchewan', ['America/Regina', 'America/Swift_Current', 'America/Edmonton']], // tz: Edmonton is SK(W)
  'CA-NT': ['Northwest Territories', ['America/Edmonton', 'America/Inuvik']],
  'CA-NU': [
    'Nunavut',
    ['America/Iqaluit', 'America/Rankin_Inlet', 'America/Resolute', 'America/Cambridge_Bay', 'America/Panama'],
  ], // tz: Panama is Coral Harbour
  'CA-YT': ['Yukon', ['America/Whitehorse', 'America/Dawson']],
};

const AU_REGIONS = ['AU-ACT', 'AU-NSW', 'AU-NT', 'AU-QLD', 'AU-SA', 'AU-TAS', 'AU-VIC', 'AU-WA'];

/**
 * acma: Australia's geographic areas by the first digits of the national number (the area code without its
 * 0, then the number's first digits): the regions they cover and their zones. The longest key that starts the
 * number applies. 02 NSW/ACT, 03 VIC/TAS, 07 QLD, 08 9 and 08 6 WA, 08 8 and 08 7 SA or NT; the keys of 3
 * digits add the border towns numbered from over the line (Wodonga VIC on 02 60, NSW's Murray towns on 03 5,
 * Tweed Heads NSW on 07 5, Broken Hill NSW on 08 80). Christmas and Cocos Islands numbers are countries of
 * their own (CX, CC), as are their zones.
 */
export const AU_AREAS: Record<string, { regions: string[]; zones: string[] }> = {
  '2': { regions: ['AU-ACT', 'AU-NSW'], zones: ['Australia/Sydney'] },
  '26': { regions: ['AU-ACT', 'AU-NSW', 'AU-VIC'], zones: ['Australia/Sydney', 'Australia/Melbourne'] },
  '3': { regions: ['AU-TAS', 'AU-VIC'], zones: ['Australia/Hobart', 'Australia/Melbourne'] },
  '35': {
    regions: ['AU-NSW', 'AU-TAS', 'AU-VIC'],
    zones: ['Australia/Hobart', 'Australia/Melbourne', 'Australia/Sydney'],
  },
  '7': { regions: ['AU-QLD'], zones: ['Australia/Brisbane', 'Australia/Lindeman'] },
  '75': { regions: ['AU-NSW', 'AU-QLD'], zones: ['Australia/Brisbane', 'Australia/Lindeman', 'Australia/Sydney'] },
  '8': {
    regions: ['AU-NSW', 'AU-NT', 'AU-SA', 'AU-WA'],
    zones: ['Australia/Adelaide', 'Australia/Broken_Hill', 'Australia/Darwin', 'Australia/Eucla', 'Australia/Perth'],
  },
  '86': { regions: ['AU-WA'], zones: ['Australia/Perth'] },
  '89': { regions: ['AU-WA'], zones: ['Australia/Perth'] },
  '87': { regions: ['AU-NT', 'AU-SA'], zones: ['Australia/Adelaide', 'Australia/Darwin'] },
  '88': { regions: ['AU-NT', 'AU-SA'], zones: ['Australia/Adelaide', 'Australia/Darwin'] },
  '880': {
    regions: ['AU-NSW', 'AU-NT', 'AU-SA'],
    zones: ['Australia/Adelaide', 'Australia/Broken_Hill', 'Australia/Darwin'],
  },
};

/** Region code → the zones it spans (US states and DC, Canadian provinces and territories). */
export const REGION_ZONES: ReadonlyMap<string, readonly string[]> = new Map(
  [...Object.entries(US), ...Object.entries(CA)].map(([code, [, zones]]) => [code, zones]),
);

/** Every region of a country, for numbers that may be anywhere in it. */
export const COUNTRY_REGIONS: Readonly<Record<string, readonly string[]>> = {
  US: Object.keys(US).sort(),
  CA: Object.keys(CA).sort(),
  AU: AU_REGIONS,
};

/** The geocoder's names that are not a region's name: its own spellings. */
const NAME_ALIASES: Record<string, string> = {
  'Washington State': 'US-WA',
  'Washington D.C.': 'US-DC',
  'British Colombia': 'CA-BC',
};

let byName: Map<string, string> | undefined;
/** Postal abbreviation (NY, QC, …) → region code. */
let byPostal: Map<string, string> | undefined;

/**
 * The regions a name of libphonenumber's English geocoder (NANP) denotes: a state or province ("Florida",
 * "Manitoba"), several ("Nova Scotia/Prince Edward Island"), or a place ("San Antonio, TX"). Empty when it
 * names none (a Caribbean country's place, a name this table lacks: a test checks every US and Canadian one).
 */
export function regionsOfGeocoderName(name: string): string[] {
  if (!byName || !byPostal) {
    byName = new Map(Object.entries(NAME_ALIASES));
    byPostal = new Map();
    for (const [code, [regionName]] of [...Object.entries(US), ...Object.entries(CA)]) {
      byName.set(regionName, code);
      byPostal.set(code.slice(3), code);
    }
  }
  const place = /, ([A-Z]{2})$/.exec(name);
  if (place) {
    const code = byPostal.get(place[1] ?? '');
    return code ? [code] : [];
  }
  const out: string[] = [];
  for (const part of name.split('/')) {
    const code = byName.get(part.trim());
    if (!code) return [];
    out.push(code);
  }
  return out;
}
