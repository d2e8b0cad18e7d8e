/**
 * A fast path for numbers already written in E.164 (`+` and digits, what most contact exports hold) that
 * gives exactly libphonenumber-js's answer (`parsePhoneNumberFromString(text)` with the max metadata, then
 * `isValid()`), about ten times faster: libphonenumber builds a `new RegExp` from a pattern of up to a few
 * kilobytes for every test (matchesEntirely), which costs more than the whole rest of an import row.
 * Here the same tests, in the same order, run on RegExps compiled once per calling code.
 *
 * Only the common shape takes this path: a calling code, then a national number the main country's
 * national-prefix rule does not touch. Everything else (national prefixes after the calling code, odd
 * lengths, formatting) returns undefined and goes through libphonenumber itself.
 * test/phone-fast.test.ts checks the equivalence on every country's numbers.
 */
import { Metadata } from 'libphonenumber-js/core';
import metadataJson from 'libphonenumber-js/metadata.max.json';

/** The numbering-plan accessors libphonenumber's own helpers use (not all are in its typings). */
interface PlanType {
  pattern(): string | undefined;
  possibleLengths(): number[] | undefined;
}
interface Plan {
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  leadingDigits(): string | undefined;
  hasTypes(): boolean;
  type(name: string): PlanType | undefined;
}
interface MetadataApi {
  numberingPlan: Plan;
  hasCallingCode(code: string): boolean;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCallingCode: string): void;
}

/** getNumberType's order: FIXED_LINE, then libphonenumber's NON_FIXED_LINE_PHONE_TYPES. Any match = valid. */
const TYPES = <const>[
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];
/** parse(): national (significant) numbers outside these lengths are not phone numbers. */
const MIN_NSN = 2;
const MAX_NSN = 17;
const E164 = /^\+[1-9]\d{5,15}$/;

interface CompiledCountry {
  country: string;
  /** For countries sharing a calling code: the number belongs here when this matches at its start. */
  leadingDigits?: RegExp;
  nationalNumber: RegExp;
  /** Whether the plan lists number types (else the national number pattern alone decides validity). */
  hasTypes: boolean;
  types: { name: (typeof TYPES)[number]; re: RegExp; lengths?: number[] }[];
  /** getNumberType calls every fixed line FIXED_LINE_OR_MOBILE: the plan has no mobile pattern of its own (NANP). */
  fixedIsMobile: boolean;
}
interface CompiledCallingCode {
  /** The main country's national prefix rule; a number it matches takes the slow path. */
  nationalPrefix?: RegExp;
  countries: CompiledCountry[];
}

export interface FastNormalized {
  valid: boolean;
  country?: string;
}

/** libphonenumber's getNumberType() answers (undefined: a valid number of a plan that lists no types). */
export type NumberType = 'FIXED_LINE_OR_MOBILE' | (typeof TYPES)[number];

export interface FastNumberType extends FastNormalized {
  callingCode: string;
  /** Set for valid numbers only. */
  type?: NumberType;
}

const entire = (pattern: string | undefined) => new RegExp(`^(?:${pattern ?? ''})$`);
const metadata = metadataApi(new Metadata(metadataJson));

/** libphonenumber's Metadata as the accessors above (checked at load, so an upgrade that drops one fails loudly). */
function metadataApi(m: object): MetadataApi {
  for (const name of ['hasCallingCode', 'getCountryCodesForCallingCode', 'selectNumberingPlan']) {
    if (!(name in m)) throw new Error(`libphonenumber-js Metadata has no ${name}: the fast phone path needs updating`);
  }
  return m as MetadataApi;
}
const compiled = new Map<string, CompiledCallingCode>();

function compileCountry(country: string): CompiledCountry {
  metadata.selectNumberingPlan(country);
  const plan = metadata.numberingPlan;
  const leading = plan.leadingDigits();
  const out: CompiledCountry = {
    country,
    nationalNumber: entire(plan.nationalNumberPattern()),
    hasTypes: plan.hasTypes(),
    types: [],
    fixedIsMobile: false,
  };
  if (leading) out.leadingDigits = new RegExp(leading);
  for (const name of TYPES) {
    const t = out.hasTypes ? plan.type(name) : undefined;
    const pattern = t?.pattern();
    if (t && pattern) out.types.push({ name, re: entire(pattern), lengths: t.possibleLengths() });
  }
  const mobile = out.hasTypes ? plan.type('MOBILE') : undefined;
  out.fixedIsMobile = !mobile || mobile.pattern() === '';
  return out;
}

function compileCallingCode(code: string): CompiledCallingCode {
  metadata.selectNumberingPlan(code);
  const prefix = metadata.numberingPlan.nationalPrefixForParsing();
  const countries = (metadata.getCountryCodesForCallingCode(code) ?? []).map(compileCountry);
  return { nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined, countries };
}

/** libphonenumber's getNumberType(...) !== undefined. */
function hasType(nsn: string, c: CompiledCountry): boolean {
  return (
    c.nationalNumber.test(nsn) && c.types.some((t) => (!t.lengths || t.lengths.includes(nsn.length)) && t.re.test(nsn))
  );
}

/** libphonenumber's getNumberType on the selected plan (same order: fixed line first, then the others). */
function typeIn(nsn: string, c: CompiledCountry): NumberType | undefined {
  if (!c.nationalNumber.test(nsn)) return undefined;
  let fixed = false;
  for (const t of c.types) {
    if ((t.lengths && !t.lengths.includes(nsn.length)) || !t.re.test(nsn)) continue;
    if (t.name === 'FIXED_LINE') {
      if (c.fixedIsMobile) return 'FIXED_LINE_OR_MOBILE';
      fixed = true;
    } else if (fixed) {
      return t.name === 'MOBILE' ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
    } else return t.name;
  }
  return fixed ? 'FIXED_LINE' : undefined;
}

/** libphonenumber's isValidNumber on the selected plan. */
function isValidIn(nsn: string, c: CompiledCountry): boolean {
  return c.hasTypes ? hasType(nsn, c) : c.nationalNumber.test(nsn);
}

/** libphonenumber's getCountryByCallingCode. */
function countryOf(nsn: string, cc: CompiledCallingCode): CompiledCountry | undefined {
  if (cc.countries.length === 1) return cc.countries[0];
  for (const c of cc.countries) {
    if (c.leadingDigits) {
      if (nsn.search(c.leadingDigits) === 0) return c;
    } else if (hasType(nsn, c)) return c;
  }
  return undefined;
}

interface Located {
  callingCode: string;
  nsn: string;
  /** The number's country, undefined when none of the calling code's plans claims it. */
  country?: CompiledCountry;
  /** The plan isValid() and getType() use: the country's, else the calling code's main one. */
  plan: CompiledCountry;
}

/** The calling code, national number and plan of an E.164 number the fast path can decide. */
function locate(value: string): Located | undefined {
  if (!E164.test(value)) return undefined;
  for (let len = 1; len <= 3; len++) {
    const code = value.slice(1, 1 + len);
    if (!metadata.hasCallingCode(code)) continue;
    let cc = compiled.get(code);
    if (!cc) compiled.set(code, (cc = compileCallingCode(code)));
    const nsn = value.slice(1 + len);
    if (nsn.length < MIN_NSN || nsn.length > MAX_NSN || cc.nationalPrefix?.test(nsn)) return undefined;
    const country = countryOf(nsn, cc);
    const plan = country ?? cc.countries[0];
    if (!plan) return undefined;
    return { callingCode: code, nsn, country, plan };
  }
  return undefined;
}

/**
 * libphonenumber's verdict on an E.164 number, or undefined when this number needs its full parser.
 * A valid number is stored as written: the fast path never changes the digits.
 */
export function fastE164(value: string): FastNormalized | undefined {
  return fastNumberType(value);
}

/** The last answer: an import asks about each number twice in a row (normalizeNumber, then contactLocale). */
let last: { value: string; answer: FastNumberType | undefined } | undefined;

/**
 * fastE164's verdict with libphonenumber's `getType()` of a valid number (`parsePhoneNumberFromString(value)`
 * with the max metadata), or undefined when this number needs the full parser.
 */
export function fastNumberType(value: string): FastNumberType | undefined {
  if (last?.value === value) return last.answer;
  const n = locate(value);
  let answer: FastNumberType | undefined;
  if (n) {
    const valid = isValidIn(n.nsn, n.plan);
    answer = { valid, country: n.country?.country, callingCode: n.callingCode };
    if (valid) answer.type = typeIn(n.nsn, n.plan);
    // Shared with the next caller asking about the same number: frozen, so neither can change the other's.
    Object.freeze(answer);
  }
  last = { value, answer };
  return answer;
}
