/**
 * The input checks every Tiefe package uses, so that bad input always gets the same kind of error: an
 * {@link InputError} whose `input` is `'function: argument'` (for example `'unet: filters'`,
 * `'diceLoss: yPred'`), saying what was expected and what came. Each check returns the checked value, typed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from './errors.js';

/** A short description of any value for the `got` part of an error: `3`, `"same"`, `null`, `an array of 2`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof tf.Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(',')}]`;
  if (Array.isArray(v)) return v.length <= 8 ? JSON.stringify(v) : `an array of ${v.length}`;
  return typeof v === 'object' ? `an object (${(v as object).constructor?.name ?? 'Object'})` : typeof v;
}

/** An integer in [min, max]. */
export function checkInt(name: string, v: unknown, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InputError(name, `an integer ${range}`, describeValue(v));
  }
  return v;
}

/** A finite number in [min, max]. */
export function checkNumber(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    const range =
      min === -Infinity && max === Infinity
        ? ''
        : max === Infinity
          ? ` >= ${min}`
          : min === -Infinity
            ? ` <= ${max}`
            : ` in [${min}, ${max}]`;
    throw new InputError(name, `a finite number${range}`, describeValue(v));
  }
  return v;
}

/** A rate in [0, 1), such as a dropout rate: 1 would drop everything. */
export function checkRate(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) {
    throw new InputError(name, 'a number in [0, 1)', describeValue(v));
  }
  return v;
}

/** A boolean. */
export function checkBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InputError(name, 'true or false', describeValue(v));
  return v;
}

/** One of `allowed`. */
export function checkOneOf<T extends string | number | boolean>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) {
    throw new InputError(name, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, describeValue(v));
  }
  return v as T;
}

/** An options object: `undefined` gives `{}`; anything but a plain object is refused. */
export function checkOptions<T extends object>(name: string, v: T | undefined): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new InputError(name, 'an options object', describeValue(v));
  }
  return v;
}

/**
 * An array of positive integers (a shape without the batch axis, a kernel size), of length `rank` when
 * given, or of one of the lengths in `rank`.
 */
export function checkShape(name: string, shape: unknown, rank?: number | readonly number[]): number[] {
  const ranks = rank === undefined ? undefined : typeof rank === 'number' ? [rank] : rank;
  const ok =
    Array.isArray(shape) &&
    (ranks === undefined || ranks.includes(shape.length)) &&
    shape.every((d) => Number.isInteger(d) && d > 0);
  if (!ok) {
    const count = ranks === undefined ? '' : `${ranks.join(' or ')} `;
    throw new InputError(name, `an array of ${count}positive integers`, describeValue(shape));
  }
  return shape as number[];
}

/** What {@link checkTensor} requires besides being a live tensor. */
export interface TensorRequirements {
  /** Allowed dtypes. Default: any. */
  dtype?: tf.DataType | readonly tf.DataType[];
  /** Allowed ranks. Default: any. */
  rank?: number | readonly number[];
}

/** A live (not disposed) tf.Tensor, of an allowed dtype and rank. */
export function checkTensor<T extends tf.Tensor = tf.Tensor>(
  name: string,
  x: unknown,
  require: TensorRequirements = {},
): T {
  if (!(x instanceof tf.Tensor)) throw new InputError(name, 'a tf.Tensor', describeValue(x));
  if (x.isDisposed) throw new InputError(name, 'a live tensor', 'a disposed tensor');
  const dtypes =
    require.dtype === undefined ? undefined : typeof require.dtype === 'string' ? [require.dtype] : require.dtype;
  if (dtypes && !dtypes.includes(x.dtype)) {
    throw new InputError(name, `a ${dtypes.join(' or ')} tensor`, `a tensor of dtype ${x.dtype}`);
  }
  if (require.rank !== undefined) checkRank(name, x, require.rank);
  return x as T;
}

/** A tensor (or symbolic tensor) of one of the allowed ranks; returns the rank. */
export function checkRank(
  name: string,
  x: { shape: readonly (number | null)[] },
  rank: number | readonly number[],
): number {
  const ranks = typeof rank === 'number' ? [rank] : rank;
  if (!ranks.includes(x.shape.length)) {
    throw new InputError(
      name,
      `a rank-${ranks.join(' or rank-')} tensor`,
      `shape [${x.shape.map((d) => d ?? 'null').join(',')}]`,
    );
  }
  return x.shape.length;
}
