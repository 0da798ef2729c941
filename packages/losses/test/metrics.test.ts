import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  diceScore,
  iou,
  meanClassAccuracy,
  meanIoU,
  pixelAccuracy,
  SegmentationConfusionMatrix,
  segmentationConfusionMatrix,
} from '../src/index.js';
import { multiclassBatch } from './helpers/fixtures.js';
import { expectNoLeak } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

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
    expect(await expectNoLeak(() => iou(t, p, o))).toEqual([2 / 4, 3 / 5, Number.NaN]);
    expect(await diceScore(t, p, o)).toEqual([4 / 6, 6 / 8, Number.NaN]);
    expect(await meanIoU(t, p, o)).toBeCloseTo((0.5 + 0.6) / 2, 12);
    expect(await pixelAccuracy(t, p, o)).toBeCloseTo(5 / 7, 12);
    expect(await meanClassAccuracy(t, p, o)).toBeCloseTo((2 / 3 + 3 / 4) / 2, 12);
    // Without ignoreIndex, 255 is out of range: a clear error.
    await expect(iou(t, p)).rejects.toThrow(
      /yTrue: expected integer class ids in \[0, 2\], got 1 value\(s\) out of range/,
    );
    // Every pixel ignored: undefined (NaN), no error.
    const all = tf.fill([1, 8], 255, 'int32');
    expect(await pixelAccuracy(all, p, o)).toBeNaN();
    expect(await meanIoU(all, p, o)).toBeNaN();
    tf.dispose([t, p, all]);
  });

  test('binary: one sigmoid channel, threshold 0.5, or 0 for logits; predicted ids as int32', async () => {
    const t = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
    const p = tf.tensor4d([0.9, 0.6, 0.4, 0.1], [1, 2, 2, 1]);
    // pred 1 1 0 0: class 0: TP 1 FP 1 FN 1; class 1: TP 1 FP 1 FN 1.
    expect(await iou(t, p)).toEqual([1 / 3, 1 / 3]);
    const logits = tf.tensor4d([2, 0.4, -0.3, -2], [1, 2, 2, 1]);
    expect(await iou(t, logits, { fromLogits: true })).toEqual([1 / 3, 1 / 3]);
    const ids = tf.tensor3d([1, 1, 0, 0], [1, 2, 2], 'int32');
    expect(await iou(t, ids, { numClasses: 2 })).toEqual([1 / 3, 1 / 3]);
    await expect(iou(t, ids)).rejects.toThrow(/numClasses: expected a class count/);
    tf.dispose([t, p, logits, ids]);
  });

  test('one-pixel masks: Dice 1 when found, 0 when missed', async () => {
    const t = tf.tensor4d([0, 0, 0, 1], [1, 2, 2, 1]);
    const hit = tf.tensor4d([0, 0, 0, 0.8], [1, 2, 2, 1]);
    const miss = tf.tensor4d([0.8, 0, 0, 0], [1, 2, 2, 1]);
    expect((await diceScore(t, hit))[1]).toBe(1);
    expect((await diceScore(t, miss))[1]).toBe(0);
    tf.dispose([t, hit, miss]);
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

  test('one-hot yTrue, 3-D volumes, and one call through segmentationConfusionMatrix', async () => {
    const b = multiclassBatch(5, 2, 4, 6, 3);
    const [oh, probs, ids] = [b.tOneHot(), b.tProbs(), b.tIds()];
    const a = await segmentationConfusionMatrix(ids, probs);
    const c = await segmentationConfusionMatrix(oh, probs);
    const vol = tf.reshape(probs, [2, 2, 2, 6, 3]);
    const volIds = tf.reshape(ids, [2, 2, 2, 6]);
    const v = await segmentationConfusionMatrix(volIds, vol);
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
    await expect(segmentationConfusionMatrix(tf.zeros([1, 3, 2], 'int32'), probs)).rejects.toThrow(
      /yTrue: expected class ids of shape \[1,2,2\]/,
    );
    await expect(segmentationConfusionMatrix(tf.zeros([1, 2, 2], 'int32'), probs, { numClasses: 5 })).rejects.toThrow(
      InputError,
    );
    await expect(
      segmentationConfusionMatrix(
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
      ),
    ).rejects.toThrow(/integer class ids/);
    expect(() => new SegmentationConfusionMatrix({ numClasses: 1 })).toThrow(/numClasses: expected an integer >= 2/);
    probs.dispose();
  });
});
