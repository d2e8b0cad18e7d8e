/** Randomness for the simulator: seedable so a benchmark or demo run can be replayed. */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** An inclusive range of milliseconds; `min === max` is a fixed value. */
export interface DelayRange {
  min: number;
  max: number;
}

/** mulberry32 when seeded (tiny, fast, good enough for picking outcomes); Math.random otherwise. */
export function createRng(seed?: number): Rng {
  if (seed === undefined) return Math.random;
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickInRange(range: DelayRange, rng: Rng): number {
  if (range.max <= range.min) return range.min;
  return range.min + Math.floor(rng() * (range.max - range.min + 1));
}

/** True with probability `p`; never consumes randomness when `p` is 0, keeping seeded runs stable. */
export function chance(p: number, rng: Rng): boolean {
  return p > 0 && rng() < p;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
