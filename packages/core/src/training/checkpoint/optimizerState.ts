/** Optimizer state in a checkpoint: class name, config and weights (iterations, moments) in `optimizer.{json,bin}`. */
import * as tf from '@tensorflow/tfjs-core';
import { TiefeError } from '../../errors.js';
import type { FolderFiles } from '../../io/atomicWrite.js';
import { CheckpointError, OPTIMIZER_BIN, OPTIMIZER_JSON } from './layout.js';

/** `optimizer.bin` and `optimizer.json` for an optimizer's current state. Creates no lasting tensors. */
export async function optimizerFiles(optimizer: tf.Optimizer): Promise<FolderFiles> {
  let named: { name: string; tensor: tf.Tensor }[];
  try {
    named = await optimizer.getWeights();
  } catch (e) {
    throw new TiefeError(`saveCheckpoint: ${optimizer.getClassName()}.getWeights() failed: ${(e as Error).message}`);
  }
  try {
    const encoded = await tf.io.encodeWeights(named);
    const json = {
      className: optimizer.getClassName(),
      config: optimizer.getConfig(),
      weightsManifest: [{ paths: [OPTIMIZER_BIN], weights: encoded.specs }],
    };
    return [
      [OPTIMIZER_BIN, new Uint8Array(tf.io.CompositeArrayBuffer.join(encoded.data))],
      [OPTIMIZER_JSON, JSON.stringify(json)],
    ];
  } finally {
    // getWeights() returns the optimizer's variables plus a fresh `iter` scalar: free only the latter.
    tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
  }
}

/**
 * Recreates an optimizer from its registered class name and config (`tf.serialization`) and gives it the saved
 * weights, in manifest order (Adam: iterations, first moments, second moments).
 */
export async function restoreOptimizer(
  json: Record<string, unknown>,
  weights: { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer },
  file: string,
): Promise<tf.Optimizer> {
  const { className, config } = json;
  const entry =
    typeof className === 'string' ? tf.serialization.SerializationMap.getMap().classNameMap[className] : undefined;
  if (!entry) throw new CheckpointError(file, `names an unknown optimizer class ${JSON.stringify(className)}`);
  const [cls, fromConfig] = entry;
  const optimizer = fromConfig(cls, (config ?? {}) as tf.serialization.ConfigDict) as tf.Optimizer;
  try {
    const decoded = tf.io.decodeWeights(weights.data, weights.specs);
    try {
      await optimizer.setWeights(weights.specs.map((s) => ({ name: s.name, tensor: decoded[s.name] })));
    } finally {
      tf.dispose(Object.values(decoded));
    }
  } catch (e) {
    optimizer.dispose();
    throw e;
  }
  return optimizer;
}
