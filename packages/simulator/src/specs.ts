/**
 * The compact text forms operators type into env vars or `PUT /__sim/config`:
 * weights `human=50,busy=15`, ranges `200` / `100-2000`, faults `429=0.05,5xx=0.2,proxy=0.05,hang=0.02`.
 * Each parser returns an error message instead of throwing so zod can attach it to the right field.
 */
import { isSimOutcome, type OutcomeWeights } from './outcomes.js';
import type { DelayRange } from './random.js';

export type SpecResult<T> = { ok: true; value: T } | { ok: false; error: string };

function pairs(text: string): Array<[string, string]> | string {
  const result: Array<[string, string]> = [];
  for (const part of text.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0) return `"${entry}" is not name=value`;
    result.push([entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()]);
  }
  return result;
}

function toNumber(text: string): number | undefined {
  if (!/^\d+(?:\.\d+)?$/.test(text)) return undefined;
  return Number(text);
}

export function parseWeights(text: string): SpecResult<OutcomeWeights> {
  const entries = pairs(text);
  if (typeof entries === 'string') return { ok: false, error: entries };
  const weights: OutcomeWeights = {};
  let total = 0;
  for (const [name, raw] of entries) {
    if (!isSimOutcome(name)) return { ok: false, error: `unknown outcome "${name}"` };
    const weight = toNumber(raw);
    if (weight === undefined) return { ok: false, error: `weight of ${name} must be a non-negative number` };
    weights[name] = weight;
    total += weight;
  }
  if (total <= 0) return { ok: false, error: 'weights must have a positive total' };
  return { ok: true, value: weights };
}

export function parseRange(text: string): SpecResult<DelayRange> {
  const match = text.trim().match(/^(\d+)(?:\s*-\s*(\d+))?$/);
  if (!match) return { ok: false, error: 'must be <ms> or <min>-<max>' };
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) return { ok: false, error: 'range maximum is below its minimum' };
  return { ok: true, value: { min, max } };
}

/** Fault knobs settable through the compact faults string. */
export interface FaultRates {
  rate429?: number;
  rate5xx?: number;
  proxyErrorRate?: number;
  hangRate?: number;
  duplicateRate?: number;
  notifyBeforeReply?: number;
}

const FAULT_FIELDS: Record<string, keyof FaultRates> = {
  '429': 'rate429',
  '5xx': 'rate5xx',
  proxy: 'proxyErrorRate',
  hang: 'hangRate',
  dup: 'duplicateRate',
  duplicate: 'duplicateRate',
  early: 'notifyBeforeReply',
  notifyBeforeReply: 'notifyBeforeReply',
};

export function parseFaults(text: string): SpecResult<FaultRates> {
  const entries = pairs(text);
  if (typeof entries === 'string') return { ok: false, error: entries };
  const faults: FaultRates = {};
  for (const [name, raw] of entries) {
    const key = FAULT_FIELDS[name];
    if (!key) return { ok: false, error: `unknown fault "${name}" (known: ${Object.keys(FAULT_FIELDS).join(', ')})` };
    const p = toNumber(raw);
    if (p === undefined || p > 1) return { ok: false, error: `${name} must be a probability between 0 and 1` };
    faults[key] = p;
  }
  return { ok: true, value: faults };
}

/** One rolling-window quota: at most `limit` dial-outs per bot within any `windowMs`. */
export interface Quota {
  limit: number;
  windowMs: number;
}

/** At most this many quotas (the vendor has two: per minute and per hour). */
export const MAX_QUOTAS = 8;

const WINDOW_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `600/60s,18000/3600s` (units ms, s, m, h), or `off` / empty for none. */
export function parseQuotas(text: string): SpecResult<Quota[]> {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'off') return { ok: true, value: [] };
  const quotas: Quota[] = [];
  for (const part of trimmed.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    const match = /^(\d+)\s*\/\s*(\d+)\s*(ms|s|m|h)$/.exec(entry);
    if (!match) return { ok: false, error: `"${entry}" is not <requests>/<window> like 600/60s (units ms, s, m, h)` };
    const limit = Number(match[1]);
    const windowMs = Number(match[2]) * WINDOW_UNITS[match[3]!]!;
    if (limit < 1 || windowMs < 1) return { ok: false, error: `"${entry}" needs a positive count and window` };
    quotas.push({ limit, windowMs });
  }
  if (quotas.length > MAX_QUOTAS) return { ok: false, error: `at most ${MAX_QUOTAS} quotas` };
  return { ok: true, value: quotas };
}
