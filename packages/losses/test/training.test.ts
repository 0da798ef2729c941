import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, seed } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  categoricalCrossentropy,
  combineLosses,
  diceLoss,
  focalLoss,
  focalTverskyLoss,
  generalizedDiceLoss,
  hausdorffDTLoss,
  jaccardLoss,
  type LossFn,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  tverskyLoss,
} from '../src/index.js';
import { rand } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/**
 * 8 noisy 16x16 images, each with a bright square and (class 2) a dim disc on a dark background;
 * ids 0 background, 1 square, 2 disc.
 */
function shapes(n: number, s: number) {
  const r = rand(1234);
  const x: number[] = [];
  const ids: number[] = [];
  for (let b = 0; b < n; b++) {
    const sq = [2 + Math.floor(r() * 5), 2 + Math.floor(r() * 5), 4 + Math.floor(r() * 3)];
    const dc = [10 + Math.floor(r() * 3), 10 + Math.floor(r() * 3), 2 + r() * 1.5];
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        let id = 0;
        if (i >= sq[0] && i < sq[0] + sq[2] && j >= sq[1] && j < sq[1] + sq[2]) id = 1;
        else if ((i - dc[0]) ** 2 + (j - dc[1]) ** 2 <= dc[2] ** 2) id = 2;
        ids.push(id);
        x.push((id === 1 ? 1 : id === 2 ? 0.5 : 0) + 0.15 * (r() - 0.5));
      }
    }
  }
  return { x, ids };
}

function convNet(channels: number, activation: 'sigmoid' | 'softmax' | 'linear'): tfl.LayersModel {
  const input = tfl.input({ shape: [16, 16, 1] });
  let h = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(input) as tfl.SymbolicTensor;
  h = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' })
    .apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.conv2d({ filters: channels, kernelSize: 1, activation }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

const binary: Array<[string, LossFn, 'sigmoid' | 'linear']> = [
  ['diceLoss', diceLoss(), 'sigmoid'],
  ['jaccardLoss', jaccardLoss({ logLoss: true }), 'sigmoid'],
  ['tverskyLoss', tverskyLoss({ alpha: 0.3, beta: 0.7 }), 'sigmoid'],
  ['focalTverskyLoss', focalTverskyLoss(), 'sigmoid'],
  ['generalizedDiceLoss', generalizedDiceLoss(), 'sigmoid'],
  ['focalLoss', focalLoss({ fromLogits: true }), 'linear'],
  ['lovaszHingeLoss', lovaszHingeLoss(), 'linear'],
  ['hausdorffDTLoss', hausdorffDTLoss(), 'sigmoid'],
];
const multiclass: Array<[string, LossFn]> = [
  ['diceLoss', diceLoss({ fromLogits: true })],
  ['lovaszSoftmaxLoss', lovaszSoftmaxLoss({ fromLogits: true })],
  [
    'dice + cross-entropy',
    combineLosses([{ loss: diceLoss({ fromLogits: true }) }, { loss: categoricalCrossentropy({ fromLogits: true }) }]),
  ],
  [
    'dice + focal',
    combineLosses([{ loss: diceLoss({ fromLogits: true }) }, { loss: focalLoss({ fromLogits: true }), weight: 2 }]),
  ],
];

async function trains(loss: LossFn, channels: number, activation: 'sigmoid' | 'softmax' | 'linear', yTrue: tf.Tensor) {
  seed(42);
  const { x } = shapes(8, 16);
  const xs = tf.tensor4d(x, [8, 16, 16, 1]);
  const model = convNet(channels, activation);
  model.compile({ optimizer: tf.train.adam(0.02), loss });
  const evaluate = () =>
    tf.tidy(() => {
      const y = model.predict(xs) as tf.Tensor;
      return loss(yTrue, y).dataSync()[0];
    });
  const first = evaluate();
  await model.fit(xs, yTrue, { epochs: 1, batchSize: 8, verbose: 0 });
  const tensors = tf.memory().numTensors;
  await model.fit(xs, yTrue, { epochs: 24, batchSize: 8, verbose: 0 });
  expect(tf.memory().numTensors).toBe(tensors);
  const last = evaluate();
  model.dispose();
  xs.dispose();
  return { first, last };
}

describe('each segmentation loss trains a small conv net (16x16 shapes, 25 Adam steps, model.fit)', () => {
  for (const [name, loss, activation] of binary) {
    test(`binary ${name}`, async () => {
      const { ids } = shapes(8, 16);
      const y = tf.tensor4d(
        ids.map((i) => (i === 1 ? 1 : 0)),
        [8, 16, 16, 1],
      );
      const { first, last } = await trains(loss, 1, activation, y);
      console.log(`binary ${name}: ${first.toFixed(4)} -> ${last.toFixed(4)}`);
      expect(Number.isFinite(last)).toBe(true);
      expect(last).toBeLessThan(0.8 * first);
      y.dispose();
    });
  }
  for (const [name, loss] of multiclass) {
    test(`3 classes ${name}`, async () => {
      const { ids } = shapes(8, 16);
      // model.fit wants targets of the output's shape: one-hot.
      const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor3d(ids, [8, 16, 16], 'int32'), 3), 'float32'));
      const { first, last } = await trains(loss, 3, 'linear', y);
      console.log(`3 classes ${name}: ${first.toFixed(4)} -> ${last.toFixed(4)}`);
      expect(last).toBeLessThan(0.8 * first);
      y.dispose();
    });
  }
});

test('custom training loop with sparse ids and ignoreIndex (optimizer.minimize), no leaks per step', () => {
  seed(7);
  const { x, ids } = shapes(8, 16);
  // Mark a border of every image as unlabelled.
  const masked = ids.map((id, i) => (i % 16 === 0 || i % 16 === 15 ? 255 : id));
  const xs = tf.tensor4d(x, [8, 16, 16, 1]);
  const ys = tf.tensor3d(masked, [8, 16, 16], 'int32');
  const model = convNet(3, 'linear');
  const loss = combineLosses([
    { loss: lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255, perImage: true }) },
    { loss: focalLoss({ fromLogits: true, ignoreIndex: 255 }) },
  ]);
  const opt = tf.train.adam(0.02);
  const step = () => opt.minimize(() => loss(ys, model.apply(xs) as tf.Tensor), true) as tf.Scalar;
  const read = (s: tf.Scalar) => {
    const v = s.dataSync()[0];
    s.dispose();
    return v;
  };
  const first = read(step());
  const tensors = tf.memory().numTensors;
  let last = first;
  for (let i = 0; i < 24; i++) last = read(step());
  expect(tf.memory().numTensors).toBe(tensors);
  console.log(`custom loop lovasz + focal, ignoreIndex: ${first.toFixed(4)} -> ${last.toFixed(4)}`);
  expect(last).toBeLessThan(0.8 * first);
  tf.dispose([xs, ys]);
  model.dispose();
  opt.dispose();
});
