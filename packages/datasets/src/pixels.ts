import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '@tiefe/core';

/** Something that standardises a tensor, such as core's `Standardizer` after `fit`. */
export interface TensorTransform {
  transform(x: tf.Tensor): tf.Tensor;
}

/**
 * How 8-bit pixels p in 0..255 become float32:
 * - `'unit'` (default): p / 255, in [0, 1];
 * - `'signed'`: p / 127.5 - 1, in [-1, 1];
 * - `'raw'`: p unchanged, in [0, 255];
 * - `{ mean, std }`: (p / 255 - mean) / std, per channel when arrays (the torchvision `Normalize` convention);
 * - an object with `transform(x)` (e.g. a fitted core `Standardizer`): applied to the [0, 1] pixels.
 */
export type PixelScale =
  | 'unit'
  | 'signed'
  | 'raw'
  | { mean: number | number[]; std: number | number[] }
  | TensorTransform;

/**
 * How labels are returned: class indices as a float32 tensor [n] (default; 'int' means whole-number class ids,
 * stored as float32 because that is what tfjs-layers' `sparseCategoricalCrossentropy` and `fit` expect), or
 * one-hot float32 rows.
 */
export type LabelEncoding = 'int' | 'onehot';

/**
 * Converts 8-bit pixels (row-major, channels last) to a float32 tensor of `shape` scaled as asked.
 * One pass over the bytes, no intermediate tensors for the built-in scales.
 */
export function pixelsToTensor<R extends tf.Rank>(
  bytes: Uint8Array,
  shape: number[],
  scale: PixelScale = 'unit',
): tf.Tensor<R> {
  const n = bytes.length;
  const out = new Float32Array(n);
  if (scale === 'unit' || scale === 'signed' || scale === 'raw' || (typeof scale === 'object' && 'mean' in scale)) {
    if (scale === 'raw') {
      for (let i = 0; i < n; i++) out[i] = bytes[i];
    } else if (scale === 'signed') {
      const k = 1 / 127.5;
      for (let i = 0; i < n; i++) out[i] = bytes[i] * k - 1;
    } else if (scale === 'unit') {
      const k = 1 / 255;
      for (let i = 0; i < n; i++) out[i] = bytes[i] * k;
    } else {
      const channels = shape[shape.length - 1];
      const mean = perChannel(scale.mean, channels, 'pixelsToTensor: scale.mean');
      const std = perChannel(scale.std, channels, 'pixelsToTensor: scale.std');
      // A lookup table per channel: 256 x channels entries, so the pass stays one multiply-free read.
      const lut = new Float32Array(256 * channels);
      for (let c = 0; c < channels; c++) {
        if (!(std[c] > 0)) throw new InputError('pixelsToTensor: scale.std', 'positive numbers', `[${std}]`);
        for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v / 255 - mean[c]) / std[c];
      }
      for (let i = 0; i < n; i++) out[i] = lut[(i % channels) * 256 + bytes[i]];
    }
    return tf.tensor(out, shape, 'float32') as unknown as tf.Tensor<R>;
  }
  if (typeof scale === 'object' && typeof (scale as TensorTransform).transform === 'function') {
    const k = 1 / 255;
    for (let i = 0; i < n; i++) out[i] = bytes[i] * k;
    return tf.tidy(() =>
      (scale as TensorTransform).transform(tf.tensor(out, shape, 'float32')),
    ) as unknown as tf.Tensor<R>;
  }
  throw new InputError(
    'pixelsToTensor: scale',
    "'unit', 'signed', 'raw', { mean, std } or an object with transform()",
    String(scale),
  );
}

function perChannel(v: number | number[], channels: number, name: string): number[] {
  if (typeof v === 'number') return new Array(channels).fill(v);
  if (v.length !== channels) throw new InputError(name, `${channels} values (one per channel)`, `${v.length} values`);
  return v;
}

/**
 * Labels as float32 class ids [n] (tfjs-layers' sparse losses floor their labels, which int32 tensors reject),
 * or one-hot float32 [n, numClasses].
 */
export function labelsToTensor(labels: ArrayLike<number>, encoding: LabelEncoding, numClasses: number): tf.Tensor {
  const ints = Int32Array.from(labels);
  if (encoding === 'int') return tf.tensor1d(Float32Array.from(ints), 'float32');
  if (encoding !== 'onehot') throw new InputError('labelsToTensor: labels', "'int' or 'onehot'", String(encoding));
  const out = new Float32Array(ints.length * numClasses);
  for (let i = 0; i < ints.length; i++) out[i * numClasses + ints[i]] = 1;
  return tf.tensor2d(out, [ints.length, numClasses]);
}
