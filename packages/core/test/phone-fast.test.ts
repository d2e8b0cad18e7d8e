// The E.164 fast path must give libphonenumber's own answer for every number: checked against the library
// (the reference below is normalizeNumber as it was before the fast path) on every country's example
// numbers, their near misses and random digits behind every calling code.
import { describe, expect, it } from '@jest/globals';
import {
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { normalizeNumber } from '../src/phone.js';
import { fastE164, fastNumberType } from '../src/phone-fast.js';

function reference(cleaned: string, defaultCountry?: string) {
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as CountryCode | undefined);
  if (!parsed)
    return {
      ok: false,
      reason:
        cleaned.startsWith('+') || defaultCountry
          ? 'not a phone number'
          : 'not in international format and no default country given',
    };
  if (!parsed.isValid()) return { ok: false, reason: 'invalid phone number' };
  return { ok: true, number: parsed.number, target: `tel:${parsed.number}`, country: parsed.country };
}

/** A small deterministic generator: the same numbers on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

function candidates(): string[] {
  const rnd = random(42);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  const out = new Set<string>();
  for (const country of getCountries()) {
    const cc = getCountryCallingCode(country);
    const example = getExampleNumber(country, examples)?.number;
    if (example) {
      const nsn = example.slice(1 + cc.length);
      out.add(example);
      for (let i = 0; i < nsn.length; i++) out.add(`+${cc}${nsn.slice(0, i)}${digits(1)}${nsn.slice(i + 1)}`);
      out.add(`+${cc}${nsn.slice(0, -1)}`);
      out.add(`+${cc}${nsn}${digits(1)}`);
      for (const p of ['0', '1', '8', '9', '00', '01']) out.add(`+${cc}${p}${nsn}`);
    }
    for (let len = 1; len <= 15; len++) for (let k = 0; k < 4; k++) out.add(`+${cc}${digits(len)}`);
  }
  for (let k = 0; k < 3000; k++) out.add(`+${1 + Math.floor(rnd() * 9)}${digits(5 + Math.floor(rnd() * 11))}`);
  return [...out];
}

describe('E.164 fast path', () => {
  const numbers = candidates();

  it.each([undefined, 'US', 'GB', 'DE'])('answers as libphonenumber does (default country %s)', (defaultCountry) => {
    const mismatches = numbers.filter(
      (n) => JSON.stringify(normalizeNumber(n, defaultCountry)) !== JSON.stringify(reference(n, defaultCountry)),
    );
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  it('decides most numbers itself, valid and invalid ones', () => {
    const decided = numbers.map((n) => fastE164(n)).filter((r) => r !== undefined);
    expect(decided.length).toBeGreaterThan(numbers.length * 0.6);
    expect(decided.filter((r) => r.valid).length).toBeGreaterThan(1000);
    expect(decided.filter((r) => !r.valid).length).toBeGreaterThan(1000);
  });

  it("gives libphonenumber's number type, country and calling code", () => {
    let typed = 0;
    const mismatches: string[] = [];
    for (const n of numbers) {
      const fast = fastNumberType(n);
      if (!fast) continue;
      const parsed = parsePhoneNumberFromString(n);
      const valid = parsed?.isValid() ?? false;
      const expected = {
        valid,
        country: valid ? parsed?.country : fastE164(n)?.country,
        callingCode: parsed?.countryCallingCode ?? fast.callingCode,
        type: valid ? parsed?.getType() : undefined,
      };
      if (expected.type) typed++;
      if (JSON.stringify(fast) !== JSON.stringify(expected)) mismatches.push(`${n}: ${JSON.stringify(fast)}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    expect(typed).toBeGreaterThan(1000);
  });

  it('leaves formatted and national numbers to libphonenumber', () => {
    for (const n of ['+1 212 555 0123', '(212) 555-0123', '2125550123', '+44 020 7946 0958', '+800 1234 5678'])
      expect(fastE164(n)).toBeUndefined();
  });
});
