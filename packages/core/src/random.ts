import { InputError } from './errors.js';

/**
 * Seeded random numbers. `createRng(seed)` gives an independent generator (mulberry32: small, fast, 2^32
 * period, good enough for shuffling and augmentation); `seed(n)` makes tfjs itself reproducible.
 */

/** A seeded source of uniform numbers in [0, 1). */
export interface Rng {
  /** Next uniform number in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal sample (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle of `items` in place; returns it. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array | Float32Array): typeof items;
  /** A 32-bit seed drawn from this generator, for seeding tfjs ops and child generators. */
  seed(): number;
}

/** Creates a seeded generator. The same seed gives the same sequence on every platform. */
export function createRng(seedValue: number): Rng {
  let state = seedValue >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    normal: () => {
      const u = 1 - next(); // (0, 1]: log(u) stays finite
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const tmp = items[i];
        items[i] = items[j];
        items[j] = tmp;
      }
      return items;
    },
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

const nativeRandom = Math.random;

/**
 * Makes initialisation and shuffling reproducible, like `keras.utils.set_random_seed`.
 *
 * tfjs draws the seeds of unseeded random ops (weight initialisers, dropout, `tf.randomNormal`) and the
 * shuffling of `model.fit` from `Math.random`, so this replaces `Math.random` with a seeded generator.
 * Call it before building the model. `seed(undefined)` restores the native `Math.random`.
 */
export function seed(value: number | undefined): void {
  if (value === undefined) {
    Math.random = nativeRandom;
    return;
  }
  if (!Number.isFinite(value)) throw new InputError('seed: value', 'a finite number', String(value));
  Math.random = createRng(value).next;
}
