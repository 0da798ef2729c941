import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOptions, checkTensor, InputError } from '@tiefe/core';

/** Options of {@link extractFeatures}. */
export interface ExtractFeaturesOptions {
  /** Examples per forward pass (default 128): bounds the memory of the activations. */
  batchSize?: number;
}

/**
 * Runs a (frozen) base once over `x` in batches, in inference mode, and returns the embeddings as one tensor
 * `[N, ...featureShape]` (the caller disposes it): the cache on which a head trains in seconds
 * ({@link headModel}), or {@link knnClassify} works. Every intermediate tensor is disposed. A non-finite
 * embedding (a diverged base) is an InputError rather than a silent NaN downstream.
 *
 * @example
 * const features = extractFeatures(cutAt(pretrained, 'flatten'), images, { batchSize: 256 });
 */
export function extractFeatures(base: tfl.LayersModel, x: tf.Tensor, options: ExtractFeaturesOptions = {}): tf.Tensor {
  const o = checkOptions('extractFeatures: options', options);
  const batchSize = checkInt('extractFeatures: batchSize', o.batchSize ?? 128);
  checkTensor('extractFeatures: x', x);
  const want = base.inputs[0].shape.slice(1);
  if (
    base.inputs.length !== 1 ||
    x.shape.length !== want.length + 1 ||
    want.some((d, i) => d !== null && d !== x.shape[i + 1])
  ) {
    throw new InputError(
      'extractFeatures: x',
      `a tensor of shape [N,${want.map((d) => d ?? 'null').join(',')}] (the base's input)`,
      `shape [${x.shape.join(',')}]`,
    );
  }
  const n = x.shape[0];
  if (n === 0) throw new InputError('extractFeatures: x', 'at least one example', 'an empty tensor');
  const parts: tf.Tensor[] = [];
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      parts.push(
        tf.tidy(() => {
          const out = base.predict(tf.slice(x, start, size)) as tf.Tensor | tf.Tensor[];
          if (Array.isArray(out))
            throw new InputError('extractFeatures: base', 'a model with one output', `${out.length} outputs`);
          return out;
        }),
      );
    }
    const all = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    const finite = tf.tidy(() => tf.all(tf.isFinite(all)).dataSync()[0] === 1);
    if (!finite) {
      if (all !== parts[0]) all.dispose();
      throw new InputError(
        'extractFeatures: base',
        'a model that gives finite features',
        'NaN or Infinity in the embeddings',
      );
    }
    if (parts.length > 1) tf.dispose(parts);
    return all;
  } catch (e) {
    tf.dispose(parts.filter((p) => !p.isDisposed));
    throw e;
  }
}
