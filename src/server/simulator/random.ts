/**
 * A small seedable pseudo-random generator (mulberry32): the same seed gives the same numbers,
 * on every platform. Not for anything secret.
 */

export interface Random {
  /** The seed this generator started from. */
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One of `items` (which must not be empty). */
  pick<T>(items: readonly T[]): T;
  /** One of the keys, each with a chance proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K;
  /** `length` lowercase hex digits. */
  hex(length: number): string;
  /** A new generator seeded from this one: what it draws does not depend on later draws here. */
  fork(): Random;
}

/** A seed for when none is given. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

export function createRandom(seed: number): Random {
  const start = seed >>> 0;
  let a = start;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    seed: start,
    next,
    int,
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick() from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
      const entries = Object.entries(weights) as [K, number][];
      let x = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [key, w] of entries) {
        if ((x -= w) < 0) return key;
      }
      return entries[entries.length - 1]![0];
    },
    hex(length) {
      let out = '';
      while (out.length < length) out += int(0, 15).toString(16);
      return out;
    },
    fork: () => createRandom(Math.floor(next() * 2 ** 32)),
  };
}
