/** A V-Net-like model on volumes built from plain tfjs-layers, saved to memory and loaded back (test helper). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

/**
 * Conv3D -> PReLU (one slope per channel) -> strided Conv3D -> Conv3DTranspose -> PReLU -> 1x1x1 Conv3D: the
 * layers whose training needs Tiefe's kernels (the Conv3DBackpropInputV2 gradient everywhere, rank-5 Select
 * on webgpu). Returned as `tf.loadLayersModel` gives it back from its saved artifacts, never built here.
 */
export async function loadedVolumeModel(): Promise<tfl.LayersModel> {
  const input = tfl.input({ shape: [4, 4, 4, 1] });
  const conv = (filters: number, strides = 1) =>
    tfl.layers.conv3d({
      filters,
      kernelSize: strides === 1 ? 3 : 2,
      strides,
      padding: 'same',
    });
  const prelu = () => tfl.layers.prelu({ sharedAxes: [1, 2, 3], alphaInitializer: 'zeros' });
  let x = prelu().apply(conv(2).apply(input)) as tfl.SymbolicTensor;
  x = conv(3, 2).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers
    .conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same' })
    .apply(x) as tfl.SymbolicTensor;
  x = prelu().apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.conv3d({ filters: 1, kernelSize: 1, activation: 'sigmoid' }).apply(x) as tfl.SymbolicTensor;
  const built = tfl.model({ inputs: input, outputs: output });
  // Fixed weights (the same in every run and on every backend): seeded initializers are not honoured by every
  // tfjs-layers layer (Conv3DTranspose).
  const fixed = built
    .getWeights()
    .map((w, i) => tf.tidy(() => tf.reshape(tf.mul(tf.sin(tf.add(tf.range(0, w.size), i)), 0.4), w.shape)));
  built.setWeights(fixed);
  tf.dispose(fixed);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await built.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  built.dispose();
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
}

/**
 * Fits `model` for one step on fixed volumes and returns the loss and the weights before and after the step;
 * everything it made is disposed.
 */
export async function fitOneStep(
  model: tfl.LayersModel,
): Promise<{ loss: number; initial: Float32Array[]; weights: Float32Array[] }> {
  const read = async () => (await Promise.all(model.getWeights().map((w) => w.data()))) as Float32Array[];
  const initial = await read();
  model.compile({ optimizer: tf.train.sgd(0.5), loss: 'binaryCrossentropy' });
  const x = tf.tidy(() => tf.sin(tf.reshape(tf.range(0, 2 * 64), [2, 4, 4, 4, 1])));
  const y = tf.tidy(() => tf.cast(tf.greater(x, 0), 'float32'));
  const history = await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
  const weights = await read();
  tf.dispose([x, y]);
  model.optimizer.dispose();
  return { loss: history.history.loss[0] as number, initial, weights };
}

/** One training step of the loaded volume model on `backend` and on cpu: the same loss and weights after it. */
export async function expectSameStepAsCpu(backend: string): Promise<void> {
  const step = async (name: string) => {
    await tf.setBackend(name);
    const model = await loadedVolumeModel();
    const before = tf.memory().numTensors;
    const result = await fitOneStep(model);
    if (tf.memory().numTensors !== before)
      throw new Error(`${name}: ${tf.memory().numTensors - before} tensors leaked`);
    model.dispose();
    return result;
  };
  const want = await step('cpu');
  const got = await step(backend);
  expect(Number.isFinite(got.loss)).toBe(true);
  expect(got.loss).toBeCloseTo(want.loss, 4);
  let moved = 0;
  want.weights.forEach((w, i) => {
    for (let j = 0; j < w.length; j++) {
      expect(Math.abs(got.weights[i][j] - w[j]), `weight ${i}[${j}]`).toBeLessThan(1e-4 * (1 + Math.abs(w[j])));
      moved = Math.max(moved, Math.abs(w[j] - want.initial[i][j]));
    }
  });
  // The step changed the weights (the gradients are not all zero).
  expect(moved).toBeGreaterThan(1e-3);
}
