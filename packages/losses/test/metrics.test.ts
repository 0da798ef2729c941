import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend, seed } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  categoricalCrossentropy,
  meanClassAccuracy,
  meanDice,
  meanIoU,
  pixelAccuracy,
  SegmentationConfusionMatrix,
  type SegmentationConfusionMatrixOptions,
} from '../src/index.js';
import { multiclassBatch } from './helpers/fixtures.js';
import { expectNoLeak, value } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** The confusion matrix of one batch. */
async function matrixOf(yTrue: tf.Tensor, yPred: tf.Tensor, options: SegmentationConfusionMatrixOptions) {
  const cm = new SegmentationConfusionMatrix(options);
  await cm.update(yTrue, yPred);
  return cm;
}

describe('segmentation metrics, hand values', () => {
  // True ids and predicted ids (as one-hot-ish probabilities) for 8 pixels, 3 classes (class 2 never occurs):
  // true: 0 0 0 1 1 1 1 255 ; pred: 0 1 0 1 1 0 1 2
  const truth = () => tf.tensor2d([0, 0, 0, 1, 1, 1, 1, 255], [1, 8], 'int32');
  const pred = () =>
    tf.tidy(() => tf.cast(tf.oneHot(tf.tensor2d([0, 1, 0, 1, 1, 0, 1, 2], [1, 8], 'int32'), 3), 'float32'));

  test('per-class Dice and IoU, means, accuracies; an absent class is NaN and skipped', async () => {
    const [t, p] = [truth(), pred()];
    const o = { ignoreIndex: 255 };
    // class 0: TP 2, FP 1, FN 1; class 1: TP 3, FP 1, FN 1; class 2: nothing (the ignored pixel does not count).
    const cm = await expectNoLeak(() => matrixOf(t, p, { ...o, numClasses: 3 }));
    expect(cm.iou()).toEqual([2 / 4, 3 / 5, Number.NaN]);
    expect(cm.dice()).toEqual([4 / 6, 6 / 8, Number.NaN]);
    expect(cm.meanIoU()).toBeCloseTo((0.5 + 0.6) / 2, 12);
    expect(cm.meanDice()).toBeCloseTo((4 / 6 + 6 / 8) / 2, 12);
    expect(cm.pixelAccuracy()).toBeCloseTo(5 / 7, 12);
    expect(cm.meanClassAccuracy()).toBeCloseTo((2 / 3 + 3 / 4) / 2, 12);
    // The compile() forms give the same numbers for this one batch (float32), as tensors.
    expect(value(meanIoU(o), t, p)).toBeCloseTo((0.5 + 0.6) / 2, 6);
    expect(value(meanIoU({ ...o, classIds: [1] }), t, p)).toBeCloseTo(0.6, 6);
    expect(value(meanDice(o), t, p)).toBeCloseTo((4 / 6 + 6 / 8) / 2, 6);
    expect(value(meanDice({ ...o, classIds: [0, 2] }), t, p)).toBeCloseTo(4 / 6, 6);
    expect(value(pixelAccuracy(o), t, p)).toBeCloseTo(5 / 7, 6);
    expect(value(meanClassAccuracy(o), t, p)).toBeCloseTo((2 / 3 + 3 / 4) / 2, 6);
    // Without ignoreIndex, 255 is out of range: a clear error.
    await expect(matrixOf(t, p, { numClasses: 3 })).rejects.toThrow(
      /yTrue: expected integer class ids in \[0, 2\], got 1 value\(s\) out of range/,
    );
    // Every pixel ignored: undefined (NaN) for the data-set figures; 0 for a batch metric (Keras' MeanIoU rule).
    const all = tf.fill([1, 8], 255, 'int32');
    const none = await matrixOf(all, p, { ...o, numClasses: 3 });
    expect(none.pixelAccuracy()).toBeNaN();
    expect(none.meanIoU()).toBeNaN();
    expect(value(meanIoU(o), all, p)).toBe(0);
    expect(value(pixelAccuracy(o), all, p)).toBe(0);
    tf.dispose([t, p, all]);
  });

  test('binary: one sigmoid channel, threshold 0.5, or 0 for logits; predicted ids as int32', async () => {
    const t = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
    const p = tf.tensor4d([0.9, 0.6, 0.4, 0.1], [1, 2, 2, 1]);
    // pred 1 1 0 0: class 0: TP 1 FP 1 FN 1; class 1: TP 1 FP 1 FN 1.
    expect((await matrixOf(t, p, { numClasses: 2 })).iou()).toEqual([1 / 3, 1 / 3]);
    expect(value(meanIoU(), t, p)).toBeCloseTo(1 / 3, 6);
    const logits = tf.tensor4d([2, 0.4, -0.3, -2], [1, 2, 2, 1]);
    expect((await matrixOf(t, logits, { numClasses: 2, fromLogits: true })).iou()).toEqual([1 / 3, 1 / 3]);
    expect(value(meanDice({ fromLogits: true, classIds: [1] }), t, logits)).toBeCloseTo(2 / 4, 6);
    const ids = tf.tensor3d([1, 1, 0, 0], [1, 2, 2], 'int32');
    expect((await matrixOf(t, ids, { numClasses: 2 })).iou()).toEqual([1 / 3, 1 / 3]);
    expect(() => meanIoU()(t, ids)).toThrow(/meanIoU: numClasses: expected a class count/);
    expect(value(meanIoU({ numClasses: 2 }), t, ids)).toBeCloseTo(1 / 3, 6);
    tf.dispose([t, p, logits, ids]);
  });

  test('2 classes with one-hot yTrue (two softmax channels, or one sigmoid channel) read as class ids', async () => {
    // pixels: true 1 0 1 0 1; predicted 1 1 0 0 1: class 1 TP 2 FP 1 FN 1 (IoU 1/2), class 0 TP 1 FP 1 FN 1.
    const trueIds = [1, 0, 1, 0, 1];
    const predFg = [0.8, 0.7, 0.2, 0.1, 0.9];
    const oneHot = tf.tensor4d(
      trueIds.flatMap((c) => (c ? [0, 1] : [1, 0])),
      [1, 1, 5, 2],
    );
    const twoChannels = tf.tensor4d(
      predFg.flatMap((q) => [1 - q, q]),
      [1, 1, 5, 2],
    );
    const oneChannel = tf.tensor4d(predFg, [1, 1, 5, 1]);
    for (const p of [twoChannels, oneChannel]) {
      const cm = await matrixOf(oneHot, p, { numClasses: 2 });
      expect(cm.iou()).toEqual([1 / 3, 2 / 4]);
      expect(value(meanIoU(), oneHot, p)).toBeCloseTo((1 / 3 + 1 / 2) / 2, 6);
      expect(value(meanDice({ classIds: [1] }), oneHot, p)).toBeCloseTo(4 / 6, 6);
    }
    tf.dispose([oneHot, twoChannels, oneChannel]);
  });

  test('one-pixel masks: Dice 1 when found, 0 when missed', async () => {
    const t = tf.tensor4d([0, 0, 0, 1], [1, 2, 2, 1]);
    const hit = tf.tensor4d([0, 0, 0, 0.8], [1, 2, 2, 1]);
    const miss = tf.tensor4d([0.8, 0, 0, 0], [1, 2, 2, 1]);
    expect((await matrixOf(t, hit, { numClasses: 2 })).dice()[1]).toBe(1);
    expect((await matrixOf(t, miss, { numClasses: 2 })).dice()[1]).toBe(0);
    expect(value(meanDice({ classIds: [1] }), t, hit)).toBe(1);
    expect(value(meanDice({ classIds: [1] }), t, miss)).toBe(0);
    tf.dispose([t, hit, miss]);
  });

  test('batch metrics equal the confusion matrix of the same batch (4 classes, ignored pixels, 3-D volumes)', async () => {
    const b = multiclassBatch(21, 2, 5, 6, 4, 255, 0.15, true);
    const [ids, probs] = [b.tIds(), b.tProbs()];
    const cm = await matrixOf(ids, probs, { numClasses: 4, ignoreIndex: 255 });
    const o = { ignoreIndex: 255 };
    const before = tf.memory().numTensors;
    expect(value(meanIoU(o), ids, probs)).toBeCloseTo(cm.meanIoU(), 6);
    expect(value(meanDice(o), ids, probs)).toBeCloseTo(cm.meanDice(), 6);
    expect(value(meanClassAccuracy(o), ids, probs)).toBeCloseTo(cm.meanClassAccuracy(), 6);
    expect(value(pixelAccuracy(o), ids, probs)).toBeCloseTo(cm.pixelAccuracy(), 6);
    expect(value(meanIoU({ ...o, classIds: [2] }), ids, probs)).toBeCloseTo(cm.iou()[2], 6);
    const vol = tf.reshape(probs, [2, 5, 2, 3, 4]);
    const volIds = tf.reshape(ids, [2, 5, 2, 3, 1]);
    expect(value(meanIoU(o), volIds, vol)).toBeCloseTo(cm.meanIoU(), 6);
    tf.dispose([vol, volIds]);
    expect(tf.memory().numTensors).toBe(before);
    // Bad options at construction, bad inputs at the call: InputError naming the function and argument.
    expect(() => meanIoU({ classIds: [-1] })).toThrow(/meanIoU: classIds: expected an integer >= 0, got -1/);
    expect(() => meanDice({ numClasses: 1 })).toThrow(/meanDice: numClasses: expected an integer >= 2/);
    expect(() => pixelAccuracy({ name: '' })).toThrow(/pixelAccuracy: name: expected a non-empty string/);
    expect(() => meanIoU({ classIds: [4] })(ids, probs)).toThrow(/meanIoU: classIds: expected class ids in \[0, 3\]/);
    const wrongShape = tf.zeros([2, 5, 5]);
    expect(() => pixelAccuracy()(wrongShape, probs)).toThrow(InputError);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([ids, probs, wrongShape]);
  });
});

describe('metrics in model.compile / fit / evaluate', () => {
  test('History and evaluate report meanIoU / val_meanIoU equal to confusion matrices of the predictions', async () => {
    // 16 images 4x4, one input channel; 2 classes with one-hot targets (the case that used to be rejected).
    const n = 16;
    const x = tf.tidy(() => tf.randomUniform([n, 4, 4, 1], 0, 1, 'float32', 3));
    const y = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.reshape(x, [n, 4, 4]), 0.6), 'int32'), 2));
    const [xVal, yVal] = [tf.slice(x, [8], [8]), tf.slice(y, [8], [8])];
    seed(5);
    const input = tfl.input({ shape: [4, 4, 1] });
    const output = tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'softmax' }).apply(input);
    const model = tfl.model({ inputs: input, outputs: output as tfl.SymbolicTensor });
    const metrics = [meanIoU(), meanDice({ classIds: [1], name: 'foregroundDice' }), pixelAccuracy()];
    model.compile({ optimizer: tf.train.sgd(2), loss: categoricalCrossentropy(), metrics });
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { epochs: 6, batchSize: 4, validationData: [xVal, yVal], verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(
      [
        'foregroundDice',
        'loss',
        'meanIoU',
        'pixelAccuracy',
        'val_foregroundDice',
        'val_loss',
        'val_meanIoU',
        'val_pixelAccuracy',
      ].sort(),
    );
    // Validation runs in batches of 4 after the last update: its value is the mean of the two batches' figures.
    const pred = model.predict(xVal) as tf.Tensor;
    const halves = [0, 4].map((at) => [tf.slice(yVal, [at], [4]), tf.slice(pred, [at], [4])]);
    const cms = await Promise.all(halves.map(([t, p]) => matrixOf(t, p, { numClasses: 2 })));
    const mean = (f: (cm: SegmentationConfusionMatrix) => number) => (f(cms[0]) + f(cms[1])) / 2;
    const last = (key: string) => (history.history[key] as number[])[5];
    expect(last('val_meanIoU')).toBeCloseTo(
      mean((cm) => cm.meanIoU()),
      5,
    );
    expect(last('val_foregroundDice')).toBeCloseTo(
      mean((cm) => cm.dice()[1]),
      5,
    );
    expect(last('val_pixelAccuracy')).toBeCloseTo(
      mean((cm) => cm.pixelAccuracy()),
      5,
    );
    // A thresholded mask is learnt by one 1x1 convolution: well above chance after 6 epochs.
    expect(last('val_pixelAccuracy')).toBeGreaterThan(0.7);
    // evaluate in one batch equals the confusion matrix of all validation predictions.
    const all = await matrixOf(yVal, pred, { numClasses: 2 });
    const out = model.evaluate(xVal, yVal, { batchSize: 8 }) as tf.Scalar[];
    expect(model.metricsNames).toEqual(['loss', 'meanIoU', 'foregroundDice', 'pixelAccuracy']);
    const values = await Promise.all(out.map(async (t) => (await t.data())[0]));
    expect(values[1]).toBeCloseTo(all.meanIoU(), 5);
    expect(values[2]).toBeCloseTo(all.dice()[1], 5);
    expect(values[3]).toBeCloseTo(all.pixelAccuracy(), 5);
    tf.dispose([...out, pred, ...halves.flat()]);
    expect(tf.memory().numTensors).toBe(before);
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y, xVal, yVal]);
  });
});

describe('streaming confusion matrix', () => {
  test('counts accumulated batch by batch equal a plain count of all pixels', async () => {
    const k = 4;
    const cm = new SegmentationConfusionMatrix({ numClasses: k, ignoreIndex: 255 });
    const want = new Array(k * k).fill(0);
    for (let step = 0; step < 3; step++) {
      const b = multiclassBatch(100 + step, 2, 5, 6, k, 255);
      b.ids.forEach((img, n) => {
        img.forEach((id, i) => {
          if (id === 255) return;
          const row = b.probs[n][i];
          want[id * k + row.indexOf(Math.max(...row))]++;
        });
      });
      const [ids, probs] = [b.tIds(), b.tProbs()];
      await expectNoLeak(() => cm.update(ids, probs));
      tf.dispose([ids, probs]);
    }
    expect(Array.from(cm.counts)).toEqual(want);
    expect(cm.total).toBe(want.reduce((a, c) => a + c, 0));
    // Derived metrics from the same counts, written out.
    const tp = (c: number) => want[c * k + c];
    const row = (c: number) => want.slice(c * k, c * k + k).reduce((a, v) => a + v, 0);
    const col = (c: number) => want.filter((_, i) => i % k === c).reduce((a, v) => a + v, 0);
    const ious = [0, 1, 2, 3].map((c) => tp(c) / (row(c) + col(c) - tp(c)));
    expect(cm.iou()).toEqual(ious);
    expect(cm.meanIoU()).toBeCloseTo(ious.reduce((a, v) => a + v) / 4, 12);
    expect(cm.pixelAccuracy()).toBeCloseTo([0, 1, 2, 3].reduce((a, c) => a + tp(c), 0) / cm.total, 12);
    cm.reset();
    expect(cm.total).toBe(0);
  });

  test('one-hot yTrue and 3-D volumes give the counts of class ids', async () => {
    const b = multiclassBatch(5, 2, 4, 6, 3);
    const [oh, probs, ids] = [b.tOneHot(), b.tProbs(), b.tIds()];
    const a = await matrixOf(ids, probs, { numClasses: 3 });
    const c = await matrixOf(oh, probs, { numClasses: 3 });
    const vol = tf.reshape(probs, [2, 2, 2, 6, 3]);
    const volIds = tf.reshape(ids, [2, 2, 2, 6]);
    const v = await matrixOf(volIds, vol, { numClasses: 3 });
    expect(Array.from(c.counts)).toEqual(Array.from(a.counts));
    expect(Array.from(v.counts)).toEqual(Array.from(a.counts));
    tf.dispose([oh, probs, ids, vol, volIds]);
  });

  test('bad input: class count mismatch, shapes, dtype', async () => {
    const probs = tf.zeros([1, 2, 2, 3]);
    const cm = new SegmentationConfusionMatrix({ numClasses: 4 });
    await expect(cm.update(tf.zeros([1, 2, 2], 'int32'), probs)).rejects.toThrow(
      /yPred: expected 4 classes on the last axis/,
    );
    await expect(matrixOf(tf.zeros([1, 3, 2], 'int32'), probs, { numClasses: 3 })).rejects.toThrow(
      /yTrue: expected class ids of shape \[1,2,2\]/,
    );
    await expect(
      matrixOf(
        tf.tensor3d(
          [
            [
              [0.5, 1],
              [0, 1],
            ],
          ],
          [1, 2, 2],
        ),
        probs,
        { numClasses: 3 },
      ),
    ).rejects.toThrow(/integer class ids/);
    expect(() => new SegmentationConfusionMatrix({ numClasses: 1 })).toThrow(/numClasses: expected an integer >= 2/);
    probs.dispose();
  });
});
