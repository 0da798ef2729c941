import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';

/** Checks that `x` is a float tensor whose sample shape matches the model's input shape. */
export function checkInput(model: tfl.LayersModel, x: tf.Tensor, name = 'x'): void {
  if (!x || typeof (x as { shape?: unknown }).shape !== 'object') {
    throw new InputError(name, 'a tf.Tensor', String(x));
  }
  if (x.isDisposed) throw new InputError(name, 'a live tensor', 'a disposed tensor');
  const want = model.inputs[0].shape;
  const ok = x.rank === want.length && want.every((d, i) => i === 0 || d == null || d === x.shape[i]);
  if (!ok) throw new InputError(name, `shape [${want.map((d) => d ?? 'N').join(',')}]`, `[${x.shape}]`);
  if (x.shape[0] === 0) throw new InputError(name, 'a batch of at least one input', 'an empty batch');
}

/** Checks a positive integer option. */
export function checkInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new InputError(name, `an integer >= ${min}`, String(v));
  return v;
}

/** Checks a finite number option within [min, max]. */
export function checkNumber(name: string, v: number, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InputError(name, `a finite number in [${min}, ${max}]`, String(v));
  }
  return v;
}
