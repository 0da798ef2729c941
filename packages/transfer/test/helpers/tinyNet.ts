import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * 8x8x1 -> c1 conv3x3(4) -> bn1 -> r1 relu -> p1 pool -> c2 conv3x3(8) -> bn2 -> r2 -> p2 pool -> flat ->
 * fc dense(16, relu) -> out dense(3, softmax). Parameters by hand: c1 3*3*1*4+4 = 40, bn1 4*4 = 16,
 * c2 3*3*4*8+8 = 296, bn2 4*8 = 32, fc (2*2*8)*16+16 = 528, out 16*3+3 = 51; total 963, of which the moving
 * means and variances (2*4 + 2*8 = 24) are non-trainable.
 */
export function tinyNet(classes = 3): tfl.LayersModel {
  const input = tfl.input({ shape: [8, 8, 1], name: 'img' });
  const L = tfl.layers;
  let x = L.conv2d({
    filters: 4,
    kernelSize: 3,
    padding: 'same',
    name: 'c1',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }),
  }).apply(input) as tfl.SymbolicTensor;
  x = L.batchNormalization({ name: 'bn1', momentum: 0.5 }).apply(x) as tfl.SymbolicTensor;
  x = L.reLU({ name: 'r1' }).apply(x) as tfl.SymbolicTensor;
  x = L.maxPooling2d({ poolSize: 2, name: 'p1' }).apply(x) as tfl.SymbolicTensor;
  x = L.conv2d({
    filters: 8,
    kernelSize: 3,
    padding: 'same',
    name: 'c2',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }),
  }).apply(x) as tfl.SymbolicTensor;
  x = L.batchNormalization({ name: 'bn2', momentum: 0.5 }).apply(x) as tfl.SymbolicTensor;
  x = L.reLU({ name: 'r2' }).apply(x) as tfl.SymbolicTensor;
  x = L.maxPooling2d({ poolSize: 2, name: 'p2' }).apply(x) as tfl.SymbolicTensor;
  x = L.flatten({ name: 'flat' }).apply(x) as tfl.SymbolicTensor;
  x = L.dense({
    units: 16,
    activation: 'relu',
    name: 'fc',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }),
  }).apply(x) as tfl.SymbolicTensor;
  const out = L.dense({
    units: classes,
    activation: 'softmax',
    name: 'out',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }),
  }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'tiny' });
}

/** A small deterministic batch: images [n, 8, 8, 1] with values around 1 (so BN statistics move), one-hot labels. */
export function tinyData(n = 16, classes = 3): { x: tf.Tensor4D; y: tf.Tensor2D; ids: tf.Tensor1D } {
  return tf.tidy(() => {
    const x = tf.add(tf.randomNormal([n, 8, 8, 1], 0, 1, 'float32', 7), 1) as tf.Tensor4D;
    const ids = tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % classes),
      'int32',
    );
    return {
      x,
      y: tf.cast(tf.oneHot(ids, classes), 'float32') as tf.Tensor2D,
      ids: tf.cast(ids, 'float32') as tf.Tensor1D,
    };
  });
}

/** Every weight of the named layers as raw bytes (bit-exact comparison), keyed by weight name. */
export function weightBytes(model: tfl.LayersModel, layers: string[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of layers) {
    for (const w of model.getLayer(name).weights) {
      const data = w.read().dataSync() as Float32Array;
      out.set(w.name, new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
    }
  }
  return out;
}
