import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';

/** max |a - b| / max |b|, read asynchronously (dataSync is not available on webgpu in Node). */
export async function relativeError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [d, m] = [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))];
  const value = (await d.data())[0] / (await m.data())[0];
  tf.dispose([d, m]);
  return value;
}

/**
 * Runs a fused recurrent layer and its tfjs-layers reference (same seeded weights) over `[batch, 4, 3]` inputs
 * with a mask (every row but the first has a padded step, in the middle or at the end) and random initial
 * states (`stateCount` of them), and expects every output and every gradient (inputs, states, weights) to agree
 * within 1e-5 relative. Returns the kernel names of one backward pass of the fused layer (tf.profile), after
 * checking it leaves no tensor behind.
 */
export async function expectFusedMatchesReference(
  ref: tfl.layers.Layer,
  fused: tfl.layers.Layer,
  { batch, units, stateCount }: { batch: number; units: number; stateCount: number },
): Promise<string[]> {
  for (const layer of [ref, fused]) layer.apply(tfl.input({ shape: [4, 3] }));
  ref.setWeights(ref.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
  fused.setWeights(ref.getWeights());
  const x = tf.randomNormal([batch, 4, 3], 0, 1, 'float32', 3);
  const keep = Array.from({ length: batch * 4 }, (_, k) => (k % 4 === (k >> 2) % 4 && k >= 4 ? 0 : 1));
  const mask = tf.tensor2d(keep, [batch, 4], 'bool');
  const states = Array.from({ length: stateCount }, (_, i) => tf.randomNormal([batch, units], 0, 1, 'float32', 4 + i));
  const inputs = 1 + stateCount;
  const run = (layer: tfl.layers.Layer, a: tf.Tensor[]) =>
    layer.apply(a[0], { mask, initialState: a.slice(1) }) as tf.Tensor[];
  const yRef = run(ref, [x, ...states]);
  const yFused = run(fused, [x, ...states]);
  expect(yFused.length).toBe(inputs);
  for (let i = 0; i < inputs; i++) expect(await relativeError(yFused[i], yRef[i])).toBeLessThan(1e-5);
  const rs = yRef.map((y, i) => tf.randomNormal(y.shape, 0, 1, 'float32', 40 + i));
  const grads = (layer: tfl.layers.Layer) =>
    tf.grads((...a: tf.Tensor[]) => tf.addN(run(layer, a.slice(0, inputs)).map((o, i) => tf.sum(tf.mul(o, rs[i])))))([
      x,
      ...states,
      ...layer.trainableWeights.map((v) => v.read()),
    ]);
  const gRef = grads(ref);
  const gFused = grads(fused);
  expect(gFused.length).toBe(inputs + 3);
  for (let i = 0; i < gFused.length; i++) expect(await relativeError(gFused[i], gRef[i])).toBeLessThan(1e-5);
  const before = tf.memory().numTensors;
  const profile = await tf.profile(() => tf.dispose(grads(fused)));
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, mask, ...states, ...yRef, ...yFused, ...rs, ...gRef, ...gFused]);
  return profile.kernels.map((k) => k.name);
}
