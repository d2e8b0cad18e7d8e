/**
 * The US states and Canadian provinces of a NANP area code, answered from nanp-area-regions.ts: a table
 * generated from libphonenumber's English geocoder data (see nanp-regions-derive.ts). Decoding that data at
 * run time cost ~200 ms of CPU on the first number of every import; the table is read in well under 1 ms.
 */
import { NANP_AREA_REGIONS } from './nanp-area-regions.js';

const NO_REGIONS: readonly string[] = Object.freeze([]);
let table: Map<string, readonly string[]> | undefined;

function load(): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const line of NANP_AREA_REGIONS.split('\n')) {
    const [key, ...codes] = line.split(' ');
    if (!key || codes.length === 0) continue;
    // One frozen array per set of regions, shared by its area codes.
    const regions = Object.freeze(key.split(','));
    for (const code of codes) out.set(code, regions);
  }
  return out;
}

/** ISO 3166-2 codes (sorted) of a NANP area code (3 digits); empty when it names none (Caribbean, 800, …). */
export function nanpRegions(areaCode: string): readonly string[] {
  table ??= load();
  return table.get(areaCode) ?? NO_REGIONS;
}
