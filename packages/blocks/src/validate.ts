import { InputError } from '@tiefe/core';
import type { Sym } from './options.js';

/** Throws unless `v` is an integer in [min, max]. */
export function checkInt(name: string, v: unknown, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InputError(name, `an integer ${range}`, String(v));
  }
  return v;
}

/** Throws unless `v` is a finite number in [min, max) (a rate such as dropout) or [min, max] when `closed`. */
export function checkRate(name: string, v: unknown, min = 0, max = 1, closed = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && v >= min && (closed ? v <= max : v < max);
  if (!ok) throw new InputError(name, `a number in [${min}, ${max}${closed ? ']' : ')'}`, String(v));
  return v as number;
}

/** Throws unless `v` is a non-negative finite number. */
export function checkNonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InputError(name, 'a finite number >= 0', String(v));
  }
  return v;
}

/** Throws unless `v` is one of `allowed`. */
export function checkOneOf<T extends string | number | boolean>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T))
    throw new InputError(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, JSON.stringify(v));
  return v as T;
}

/** Throws unless `shape` is an array of `rank` positive integers (an input shape without the batch axis). */
export function checkShape(name: string, shape: unknown, rank: number): number[] {
  const ok = Array.isArray(shape) && shape.length === rank && shape.every((d) => Number.isInteger(d) && d > 0);
  if (!ok) throw new InputError(name, `${rank} positive integers (without the batch axis)`, JSON.stringify(shape));
  return shape as number[];
}

/** Spatial rank (2 for images, 3 for volumes) of a channels-last symbolic tensor, checked. */
export function spatialRank(name: string, x: Sym): 2 | 3 {
  const r = x.shape.length - 2;
  if (r !== 2 && r !== 3) {
    throw new InputError(name, 'a rank-4 (NHWC) or rank-5 (NDHWC) symbolic tensor', `shape [${x.shape.join(', ')}]`);
  }
  return r;
}

/** Throws unless every spatial size of `shape` divides by 2^`steps`. */
export function checkDivisible(name: string, spatial: number[], steps: number): void {
  const f = 2 ** steps;
  if (spatial.some((d) => d % f !== 0)) {
    throw new InputError(
      name,
      `spatial sizes divisible by ${f} (2^${steps} down-sampling steps)`,
      JSON.stringify(spatial),
    );
  }
}
