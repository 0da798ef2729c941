import * as tf from '@tensorflow/tfjs-core';
import { BackendError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  binaryCrossentropy,
  categoricalCrossentropy,
  checkInputs,
  diceLoss,
  focalLoss,
  focalTverskyLoss,
  generalizedDiceLoss,
  hausdorffDTLoss,
  hausdorffDTWeights,
  hinge,
  jaccardLoss,
  kullbackLeiblerDivergence,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  meanAbsoluteError,
  meanIoU,
  meanSquaredError,
  SegmentationConfusionMatrix,
  sparseCategoricalCrossentropy,
  squaredHinge,
  tverskyLoss,
} from '../src/index.js';
import { expectClose, rand } from './helpers/reference.js';

type Loss = (a: tf.Tensor, b: tf.Tensor) => tf.Scalar;

beforeAll(async () => {
  await initBackend({ prefer: ['webgpu'] });
});

const r = rand(31);
const mcLogits = Array.from({ length: 2 * 4 * 4 * 3 }, () => 3 * (r() - 0.5));
const mcIds = Array.from({ length: 32 }, (_, i) => (i % 7 === 3 ? 255 : Math.floor(r() * 3)));
const binLogits = Array.from({ length: 32 }, () => 4 * (r() - 0.5));
const binMask = Array.from({ length: 32 }, () => (r() < 0.4 ? 1 : 0));

/** Value and gradient on the active backend, read asynchronously (WebGPU in Node has no synchronous read). */
async function valueAndGrad(f: Loss, y: () => tf.Tensor, x: number[], shape: number[]) {
  const yt = y();
  const xt = tf.tensor(x, shape);
  const { value, grads } = tf.valueAndGrads((v: tf.Tensor) => f(yt, v))([xt]);
  const out = { value: (await value.data())[0], grad: Array.from(await grads[0].data()) };
  tf.dispose([yt, xt, value, grads[0]]);
  return out;
}

async function compare(f: Loss, y: () => tf.Tensor, x: number[], shape: number[]) {
  await tf.setBackend('cpu');
  const want = await valueAndGrad(f, y, x, shape);
  await tf.setBackend('webgpu');
  const before = tf.memory().numTensors;
  const got = await valueAndGrad(f, y, x, shape);
  expect(tf.memory().numTensors).toBe(before);
  expect(Math.abs(got.value - want.value)).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(want.value));
  expectClose(got.grad, want.grad, 1e-4, 1e-3);
}

const mcIdsT = () => tf.tensor3d(mcIds, [2, 4, 4], 'int32');
const binT = () => tf.tensor4d(binMask, [2, 4, 4, 1]);

describe('WebGPU equals cpu: value and gradient (|diff| <= 1e-4 + 1e-4 |value|; gradients 1e-4 + 1e-3 |g|)', () => {
  const multiclass: Array<[string, Loss]> = [
    ['diceLoss', diceLoss({ fromLogits: true, ignoreIndex: 255 })],
    ['diceLoss perImage squared', diceLoss({ fromLogits: true, ignoreIndex: 255, perImage: true, squared: true })],
    ['generalizedDiceLoss', generalizedDiceLoss({ fromLogits: true, ignoreIndex: 255 })],
    ['jaccardLoss', jaccardLoss({ fromLogits: true, ignoreIndex: 255 })],
    ['tverskyLoss', tverskyLoss({ fromLogits: true, ignoreIndex: 255, alpha: 0.3, beta: 0.7 })],
    ['focalTverskyLoss', focalTverskyLoss({ fromLogits: true, ignoreIndex: 255 })],
    ['focalLoss', focalLoss({ fromLogits: true, ignoreIndex: 255 })],
    ['lovaszSoftmaxLoss', lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255 })],
    ['lovaszSoftmaxLoss perImage', lovaszSoftmaxLoss({ fromLogits: true, ignoreIndex: 255, perImage: true })],
    ['sparseCategoricalCrossentropy', sparseCategoricalCrossentropy({ fromLogits: true, ignoreIndex: 255 })],
  ];
  for (const [name, f] of multiclass) {
    test(`multiclass ${name}`, () => compare(f, mcIdsT, mcLogits, [2, 4, 4, 3]));
  }
  const binary: Array<[string, Loss]> = [
    ['diceLoss', diceLoss({ fromLogits: true })],
    ['focalLoss', focalLoss({ fromLogits: true })],
    ['lovaszHingeLoss', lovaszHingeLoss()],
    ['lovaszHingeLoss per batch', lovaszHingeLoss({ perImage: false })],
    ['binaryCrossentropy', binaryCrossentropy({ fromLogits: true })],
  ];
  for (const [name, f] of binary) {
    test(`binary ${name}`, () => compare(f, binT, binLogits, [2, 4, 4, 1]));
  }
  test('classic losses', async () => {
    const y = () => tf.tensor2d([0, 1, 0, 1, 0, 0], [2, 3]);
    const p = [0.2, 0.7, 0.1, 0.6, 0.3, 0.1];
    for (const f of [
      meanSquaredError(),
      meanAbsoluteError(),
      hinge(),
      squaredHinge(),
      categoricalCrossentropy(),
      kullbackLeiblerDivergence(),
    ]) {
      await compare(f, y, p, [2, 3]);
    }
  });
});

describe('WebGPU: metrics and the losses that read data', () => {
  test('confusion matrix counts (bincount) and the meanIoU metric equal cpu', async () => {
    const probs = () => tf.softmax(tf.tensor4d(mcLogits, [2, 4, 4, 3]));
    await tf.setBackend('cpu');
    const [pc, yc] = [probs(), mcIdsT()];
    const want = new SegmentationConfusionMatrix({ numClasses: 3, ignoreIndex: 255 });
    await want.update(yc, pc);
    tf.dispose([pc, yc]);
    await tf.setBackend('webgpu');
    const [pg, yg] = [probs(), mcIdsT()];
    const got = new SegmentationConfusionMatrix({ numClasses: 3, ignoreIndex: 255 });
    await got.update(yg, pg);
    expect(Array.from(got.counts)).toEqual(Array.from(want.counts));
    expect(got.total).toBe(32 - mcIds.filter((v) => v === 255).length);
    // The compile() form of the same figure, computed on webgpu (oneHot and sums, no bincount).
    const batchIoU = meanIoU({ ignoreIndex: 255 })(yg, pg);
    expect((await batchIoU.data())[0]).toBeCloseTo(want.meanIoU(), 5);
    batchIoU.dispose();
    tf.dispose([pg, yg]);
  });

  test('hausdorffDTLoss with weights from hausdorffDTWeights equals cpu; the sync path says what to do', async () => {
    const x = tf.tensor4d(binLogits, [2, 4, 4, 1]);
    const y = binT();
    const loss = hausdorffDTLoss({ fromLogits: true });
    await tf.setBackend('cpu');
    const want = loss(y, x);
    const wantV = want.dataSync()[0];
    want.dispose();
    await tf.setBackend('webgpu');
    const w = await hausdorffDTWeights(y, x, { fromLogits: true });
    const got = loss(y, x, w);
    expect(Math.abs((await got.data())[0] - wantV)).toBeLessThan(1e-4 * Math.max(1, wantV));
    expect(() => loss(y, x)).toThrow(BackendError);
    expect(() => loss(y, x)).toThrow(/hausdorffDTWeights/);
    expect(() => diceLoss({ validate: true })(y, x)).toThrow(/checkInputs/);
    await expect(checkInputs(y, x, { fromLogits: true })).resolves.toBeUndefined();
    await expect(checkInputs(tf.fill([2, 4, 4, 1], 3), x, { fromLogits: true })).rejects.toThrow(
      /mask values in \[0, 1\]/,
    );
    tf.dispose([x, y, w, got]);
  });
});
