import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { streamingModel } from '../src/index.js';

/** max |a - b| / max |b|, read asynchronously (dataSync is not available on webgpu in Node). */
export async function relativeError(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const [d, m] = [tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(b))];
  const value = (await d.data())[0] / (await m.data())[0];
  tf.dispose([d, m]);
  return value;
}

/** Which inputs {@link expectFusedMatchesReference} passes: a mask, initial states (both by default). */
export interface FusedCase {
  batch: number;
  units: number;
  /** States of the cell: 2 for an LSTM (h, c), 1 for a GRU. */
  stateCount: number;
  /** Pass the mask (default true). */
  masked?: boolean;
  /** Pass random initial states (default true). */
  initialState?: boolean;
}

/** The layer variants the fused layers are checked in: each a set of constructor options and inputs. */
export const VARIANTS: [
  string,
  { returnSequences?: boolean; returnState?: boolean; goBackwards?: boolean; masked?: boolean; initialState?: boolean },
][] = [
  ['last output', { masked: false, initialState: false }],
  ['returnSequences', { returnSequences: true, masked: false, initialState: false }],
  ['goBackwards + returnSequences', { goBackwards: true, returnSequences: true, masked: false, initialState: false }],
  ['masked (padded steps in the middle and at the end)', { returnSequences: true, initialState: false }],
  ['initial states + returnState', { returnState: true, masked: false }],
  ['everything at once', { returnState: true, returnSequences: true, goBackwards: true }],
];

/**
 * Runs a fused recurrent layer and its tfjs-layers reference (same seeded weights) over `[batch, 4, 3]` inputs,
 * with a mask (every row but the first has a padded step, in the middle or, from row 3 on, at the end) and
 * random initial states (`stateCount` of them) unless `masked` / `initialState` say otherwise, on the current
 * backend, and expects every output and every gradient (inputs, states, weights) to agree within 1e-5
 * relative. Returns the kernel names of one backward pass of the fused layer (tf.profile), after checking it
 * leaves no tensor behind.
 */
export async function expectFusedMatchesReference(
  ref: tfl.layers.Layer,
  fused: tfl.layers.Layer,
  { batch, units, stateCount, masked = true, initialState = true }: FusedCase,
): Promise<string[]> {
  for (const layer of [ref, fused]) layer.apply(tfl.input({ shape: [4, 3] }));
  ref.setWeights(ref.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 20 + i)));
  fused.setWeights(ref.getWeights());
  const x = tf.randomNormal([batch, 4, 3], 0, 1, 'float32', 3);
  const keep = Array.from({ length: batch * 4 }, (_, k) => (k % 4 === (k >> 2) % 4 && k >= 4 ? 0 : 1));
  const mask = masked ? tf.tensor2d(keep, [batch, 4], 'bool') : undefined;
  const states = initialState
    ? Array.from({ length: stateCount }, (_, i) => tf.randomNormal([batch, units], 0, 1, 'float32', 4 + i))
    : [];
  const inputs = 1 + states.length;
  const run = (layer: tfl.layers.Layer, a: tf.Tensor[]) =>
    [
      layer.apply(a[0], { ...(mask ? { mask } : {}), ...(a.length > 1 ? { initialState: a.slice(1) } : {}) }) as
        | tf.Tensor
        | tf.Tensor[],
    ].flat();
  const yRef = run(ref, [x, ...states]);
  const yFused = run(fused, [x, ...states]);
  expect(yFused.length).toBe(yRef.length);
  for (let i = 0; i < yRef.length; i++) {
    expect(yFused[i].shape).toEqual(yRef[i].shape);
    expect(await relativeError(yFused[i], yRef[i])).toBeLessThan(1e-5);
  }
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
  tf.dispose([x, ...(mask ? [mask] : []), ...states, ...yRef, ...yFused, ...rs, ...gRef, ...gFused]);
  return profile.kernels.map((k) => k.name);
}

/**
 * Trains `model` (a fused recurrent layer over `x` [2, 5, features], returnSequences, `units` outputs) 5 SGD
 * epochs towards zeros and expects the loss to fall with no tensor left behind; then turns it into a streaming
 * model and expects its layer to be tfjs-layers' `streamedAs` and its step-by-step outputs to equal the whole
 * sequence's.
 */
export async function expectTrainsAndStreams(
  model: tfl.LayersModel,
  x: tf.Tensor,
  units: number,
  streamedAs: 'LSTM' | 'GRU',
): Promise<void> {
  const [, time, features] = x.shape;
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const y = tf.zeros([x.shape[0], time, units]);
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  const before = tf.memory().numTensors;
  const h = await model.fit(x, y, { epochs: 5, verbose: 0 });
  expect(tf.memory().numTensors).toBe(before);
  expect(h.history.loss[4]).toBeLessThan(h.history.loss[0] as number);
  const live = await streamingModel(model);
  expect(live.model.layers[1].getClassName()).toBe(streamedAs);
  const full = (model.predict(tf.slice(x, [0, 0, 0], [1, time, features])) as tf.Tensor).arraySync() as number[][][];
  for (let t = 0; t < time; t++) {
    const yt = live.step(tf.reshape(tf.slice(x, [0, t, 0], [1, 1, features]), [1, features]));
    for (const [j, v] of Array.from(yt.dataSync()).entries()) expect(v).toBeCloseTo(full[0][t][j], 5);
  }
  live.dispose();
  y.dispose();
}
