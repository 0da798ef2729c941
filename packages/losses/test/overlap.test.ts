import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  diceLoss,
  focalTverskyLoss,
  generalizedDiceLoss,
  jaccardLoss,
  type OverlapLossOptions,
  tverskyLoss,
} from '../src/index.js';
import { multiclassBatch } from './helpers/fixtures.js';
import { type OverlapRefOptions, overlapRef, value } from './helpers/reference.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

// A 2x2 binary example worked by hand: p = [0.9, 0.2, 0.6, 0.1], g = [1, 0, 1, 0].
// TP = 1.5, sum p = 1.8, sum g = 2, FP = 0.3, FN = 0.5.
const p4 = () => tf.tensor4d([0.9, 0.2, 0.6, 0.1], [1, 2, 2, 1]);
const g4 = () => tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);

describe('hand-computed binary values (float32, atol 1e-6)', () => {
  test('dice, jaccard, tversky, focal tversky, log losses, smooth', () => {
    const [g, p] = [g4(), p4()];
    expect(value(diceLoss(), g, p)).toBeCloseTo(1 - 3 / 3.8, 6); // 0.2105263
    expect(value(diceLoss({ smooth: 1 }), g, p)).toBeCloseTo(1 - 4 / 4.8, 6);
    expect(value(diceLoss({ logLoss: true }), g, p)).toBeCloseTo(-Math.log(3 / 3.8), 6);
    expect(value(diceLoss({ squared: true }), g, p)).toBeCloseTo(1 - 3 / (0.81 + 0.04 + 0.36 + 0.01 + 2), 6);
    expect(value(jaccardLoss(), g, p)).toBeCloseTo(1 - 1.5 / 2.3, 6); // 0.3478261
    expect(value(jaccardLoss({ logLoss: true }), g, p)).toBeCloseTo(-Math.log(1.5 / 2.3), 6);
    expect(value(tverskyLoss(), g, p)).toBeCloseTo(1 - 3 / 3.8, 6); // alpha = beta = 0.5 is Dice
    expect(value(tverskyLoss({ alpha: 0.3, beta: 0.7 }), g, p)).toBeCloseTo(1 - 1.5 / (1.5 + 0.09 + 0.35), 6);
    expect(value(focalTverskyLoss({ gamma: 0.75 }), g, p)).toBeCloseTo((1 - 3 / 3.8) ** 0.75, 6);
    expect(value(focalTverskyLoss({ alpha: 0.3, beta: 0.7, gamma: 2 }), g, p)).toBeCloseTo((1 - 1.5 / 1.94) ** 2, 6);
    // Generalised Dice, one class: w = 1/4 cancels up to smooth: 1 - (2 * 1.5 / 4 + s) / (3.8 / 4 + s).
    expect(value(generalizedDiceLoss(), g, p)).toBeCloseTo(1 - (0.75 + 1e-5) / (0.95 + 1e-5), 6);
    tf.dispose([g, p]);
  });

  test('logits go through sigmoid; ids without the channel axis are accepted', () => {
    const logits = [2, -1, 0.5, -3];
    const p = logits.map((x) => 1 / (1 + Math.exp(-x)));
    const tp = p[0] + p[2];
    const want = 1 - (2 * tp) / (p.reduce((a, b) => a + b) + 2);
    const x = tf.tensor4d(logits, [1, 2, 2, 1]);
    const g = tf.tensor3d([1, 0, 1, 0], [1, 2, 2], 'int32');
    expect(value(diceLoss({ fromLogits: true }), g, x)).toBeCloseTo(want, 6);
    tf.dispose([x, g]);
  });

  test('one-pixel masks, an empty mask and an all-ignored batch', () => {
    // One foreground pixel predicted at 0.7 among 3 background pixels at 0.1.
    const p = tf.tensor4d([0.7, 0.1, 0.1, 0.1], [1, 2, 2, 1]);
    const g = tf.tensor4d([1, 0, 0, 0], [1, 2, 2, 1]);
    expect(value(diceLoss(), g, p)).toBeCloseTo(1 - 1.4 / 2, 6);
    expect(value(jaccardLoss(), g, p)).toBeCloseTo(1 - 0.7 / (1 + 1 - 0.7), 6);
    // Empty target: no class present: the loss is 0 (nothing to learn), with classes 'all' it is 1 - 0 / sum p.
    const empty = tf.zeros([1, 2, 2, 1]);
    expect(value(diceLoss(), empty, p)).toBe(0);
    expect(value(diceLoss({ classes: 'all' }), empty, p)).toBeCloseTo(1, 6);
    expect(value(diceLoss({ classes: 'all', smooth: 1 }), empty, p)).toBeCloseTo(1 - 1 / 2, 6);
    // Every pixel ignored: 0 for every loss, no NaN.
    const ignored = tf.fill([1, 2, 2, 1], 255);
    for (const f of [diceLoss, jaccardLoss, tverskyLoss, focalTverskyLoss, generalizedDiceLoss]) {
      expect(value(f({ ignoreIndex: 255 }), ignored, p)).toBe(0);
    }
    tf.dispose([p, g, empty, ignored]);
  });
});

describe('multiclass against the plain-array reference (float32, atol 2e-6)', () => {
  const cases: Array<[string, OverlapLossOptions & Omit<OverlapRefOptions, 'kind'>]> = [
    ['defaults', {}],
    ['classes all', { classes: 'all' }],
    ['perImage', { perImage: true }],
    ['perImage, all', { perImage: true, classes: 'all' }],
    ['no background', { includeBackground: false }],
    ['class weights', { classWeights: [0.5, 2, 1, 3, 4] }],
    ['squared, smooth 1', { squared: true, smooth: 1 }],
    ['log loss', { logLoss: true }],
    ['ignoreIndex 255', { ignoreIndex: 255 }],
    ['ignoreIndex, perImage, no background', { ignoreIndex: 255, perImage: true, includeBackground: false }],
  ];
  const kinds: Array<[OverlapRefOptions['kind'], (o: object) => (a: tf.Tensor, b: tf.Tensor) => tf.Scalar, object]> = [
    ['dice', diceLoss, {}],
    ['jaccard', jaccardLoss, {}],
    ['tversky', tverskyLoss, { alpha: 0.2, beta: 0.8 }],
    ['focalTversky', focalTverskyLoss, { alpha: 0.7, beta: 0.3, gamma: 1.5 }],
  ];
  for (const [kind, factory, extra] of kinds) {
    for (const [name, opts] of cases) {
      if (kind !== 'dice' && kind !== 'jaccard' && opts.logLoss) continue;
      test(`${kind}: ${name}`, () => {
        const ignore = opts.ignoreIndex;
        const b = multiclassBatch(7, 3, 3, 4, 5, ignore, 0.15, true);
        const o = { ...opts, ...extra };
        const want = overlapRef(
          b.probs,
          b.oneHot.map((img, n) => img.map((r, i) => r.map((v) => v * b.valid[n][i]))),
          b.valid,
          {
            kind,
            ...o,
          },
        );
        const ids = b.tIds();
        const logits = b.tLogits();
        const probs = b.tProbs();
        expect(value(factory(o), ids, probs)).toBeCloseTo(want, 5);
        expect(Math.abs(value(factory({ ...o, fromLogits: true }), ids, logits) - want)).toBeLessThan(2e-6);
        if (ignore === undefined) {
          const oneHot = b.tOneHot();
          expect(Math.abs(value(factory(o), oneHot, probs) - want)).toBeLessThan(2e-6);
          oneHot.dispose();
        }
        tf.dispose([ids, logits, probs]);
      });
    }
  }

  test('generalised Dice against Sudre/MONAI written out (absent class weight = max weight)', () => {
    const b = multiclassBatch(3, 2, 3, 3, 3);
    const smooth = 1e-5;
    const ref = (imgs: number[], type: 'square' | 'simple' | 'uniform') => {
      const c = 3;
      const tp = new Array(c).fill(0);
      const sp = new Array(c).fill(0);
      const sg = new Array(c).fill(0);
      for (const n of imgs)
        b.probs[n].forEach((row, i) => {
          row.forEach((p, k) => {
            tp[k] += p * b.oneHot[n][i][k];
            sp[k] += p;
            sg[k] += b.oneHot[n][i][k];
          });
        });
      let w = sg.map((v) =>
        v > 0 ? (type === 'square' ? 1 / (v * v) : type === 'simple' ? 1 / v : 1) : Number.POSITIVE_INFINITY,
      );
      const maxFinite = Math.max(...w.filter(Number.isFinite));
      w = w.map((v) => (Number.isFinite(v) ? v : maxFinite));
      const num = w.reduce((a, wk, k) => a + wk * tp[k], 0);
      const den = w.reduce((a, wk, k) => a + wk * (sp[k] + sg[k]), 0);
      return 1 - (2 * num + smooth) / (den + smooth);
    };
    const ids = b.tIds();
    const probs = b.tProbs();
    for (const type of ['square', 'simple', 'uniform'] as const) {
      expect(value(generalizedDiceLoss({ weightType: type }), ids, probs)).toBeCloseTo(ref([0, 1], type), 5);
      expect(value(generalizedDiceLoss({ weightType: type, perImage: true }), ids, probs)).toBeCloseTo(
        (ref([0], type) + ref([1], type)) / 2,
        5,
      );
    }
    tf.dispose([ids, probs]);
  });

  test('a 3-D volume (NDHWC) gives the same Dice as its 2-D reshape', () => {
    const b = multiclassBatch(11, 2, 4, 6, 3);
    const probs = b.tProbs();
    const ids = b.tIds();
    const p5 = tf.reshape(probs, [2, 2, 2, 6, 3]);
    const i5 = tf.reshape(ids, [2, 2, 2, 6]);
    expect(value(diceLoss({ perImage: true }), i5, p5)).toBeCloseTo(value(diceLoss({ perImage: true }), ids, probs), 6);
    tf.dispose([probs, ids, p5, i5]);
  });

  test('multilabel: each sigmoid channel is a binary problem; the loss is the mean over present channels', () => {
    // Channel 0: p = [0.9, 0.2, 0.6, 0.1], g = [1, 0, 1, 0]; channel 1: p = [0.3, 0.8, 0.5, 0.4], g = [0, 1, 1, 0];
    // channel 2: empty target (not present).
    const p = tf.tensor4d([0.9, 0.3, 0.2, 0.2, 0.8, 0.1, 0.6, 0.5, 0.7, 0.1, 0.4, 0.3], [1, 2, 2, 3]);
    const g = tf.tensor4d([1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0], [1, 2, 2, 3]);
    const d0 = 3 / 3.8;
    const d1 = (2 * (0.8 + 0.5)) / (2 + 2);
    expect(value(diceLoss({ mode: 'multilabel' }), g, p)).toBeCloseTo(1 - (d0 + d1) / 2, 6);
    const d2 = 0 / (0.2 + 0.1 + 0.7 + 0.3);
    expect(value(diceLoss({ mode: 'multilabel', classes: 'all' }), g, p)).toBeCloseTo(1 - (d0 + d1 + d2) / 3, 6);
    tf.dispose([p, g]);
  });
});
