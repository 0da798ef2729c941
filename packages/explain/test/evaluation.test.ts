import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  gradientTimesInput,
  infidelity,
  insertionDeletion,
  lime,
  randomisationCheck,
  saliency,
  sensitivity,
  spearman,
} from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

function linear(f = 6, c = 2): tfl.LayersModel {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [f], units: c })] });
  fixWeights(m, 5);
  return m;
}

async function weights(m: tfl.LayersModel, c: number): Promise<{ w: number[]; b: number }> {
  const [w, b] = m.getWeights();
  return { w: ((await w.array()) as number[][]).map((r) => r[c]), b: (await b.data())[c] };
}

describe('evaluation', () => {
  test('deletion and insertion curves on a linear model: the logit moves by the contributions, most relevant first', async () => {
    const m = linear();
    const x = uniform([1, 6], 2, 0, 1);
    const { w, b } = await weights(m, 0);
    const xs = Array.from(await x.data());
    const contrib = xs.map((v, i) => v * w[i]);
    const rel = tf.tensor2d([contrib]);
    const order = contrib.map((c, i) => [c, i]).sort((p, q) => q[0] - p[0]);
    const f0 = b + contrib.reduce((s, v) => s + v, 0);
    const before = tf.memory().numTensors;
    const del = await insertionDeletion(m, x, rel, { target: 0, score: 'logit', steps: 6 });
    const ins = await insertionDeletion(m, x, rel, { target: 0, score: 'logit', steps: 3, mode: 'insertion' });
    expect(tf.memory().numTensors).toBe(before);
    const wantDel = [f0];
    for (const [c] of order) wantDel.push(wantDel[wantDel.length - 1] - c);
    expect(relErr(del.curve, wantDel)).toBeLessThan(1e-5);
    // insertion in 3 steps of 2 regions: b, + top 2, + top 4, + all 6
    const wantIns = [b];
    for (let k = 0; k < 3; k++) wantIns.push(wantIns[k] + order[2 * k][0] + order[2 * k + 1][0]);
    expect(relErr(ins.curve, wantIns)).toBeLessThan(1e-5);
    const trap = (c: number[]) => c.slice(1).reduce((s, v, k) => s + (c[k] + v) / 2, 0) / (c.length - 1);
    expect(del.auc).toBeCloseTo(trap(wantDel), 5);
    expect(ins.auc).toBeCloseTo(trap(wantIns), 5);
    tf.dispose([x, rel]);
  });

  test("randomisation check: Spearman against a plain formula, a model-blind 'method' stays at 1, saliency falls; weights restored", async () => {
    // Spearman = Pearson of ranks; without ties 1 - 6 sum d^2 / (n (n^2 - 1)).
    const a = [0.3, 1.2, -0.5, 2.0, 0.9];
    const bb = [1, 3, 0, 2, 4];
    const d2 = [1, 3, 0, 4, 2].reduce((s, r, i) => s + (r - bb[i]) ** 2, 0);
    expect(spearman(a, bb)).toBeCloseTo(1 - (6 * d2) / (5 * 24), 10);
    expect(spearman([1, 1, 2], [1, 1, 2])).toBeCloseTo(1, 10);
    const m = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [8], units: 8, activation: 'relu' }),
        tfl.layers.dense({ units: 8, activation: 'relu' }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    fixWeights(m, 2);
    const x = uniform([4, 8], 3, 0, 1);
    const p0 = (await (m.predict(x) as tf.Tensor).data()).slice();
    const before = tf.memory().numTensors;
    const blind = await randomisationCheck(m, x, async (_m, v) => tf.clone(v));
    const sal = await randomisationCheck(m, x, (mm, v) => saliency(mm, v, { target: 0 }), { seed: 1 });
    const indep = await randomisationCheck(m, x, (mm, v) => saliency(mm, v, { target: 0 }), { mode: 'independent' });
    expect(tf.memory().numTensors).toBe(before);
    expect(blind.layers).toHaveLength(3);
    expect(blind.rankCorrelation.every((r) => Math.abs(r - 1) < 1e-9)).toBe(true);
    expect(Math.min(...sal.rankCorrelation)).toBeLessThan(0.6);
    expect(indep.rankCorrelation).toHaveLength(3);
    const p1 = await (m.predict(x) as tf.Tensor).data();
    expect(relErr(p1, p0)).toBe(0);
    x.dispose();
  });

  test('infidelity: 0 for the gradient of a linear model, noise^2 |d|^2 in expectation for gradient + d; sensitivity', async () => {
    const m = linear(5, 2);
    const { w } = await weights(m, 1);
    const x = uniform([2, 5], 4, 0, 1);
    const grad = tf.tile(tf.tensor2d([w]), [2, 1]);
    const before = tf.memory().numTensors;
    const exact = await infidelity(m, x, grad, { target: 1, samples: 20, noise: 0.2 });
    expect(exact.infidelity).toBeLessThan(1e-8);
    const dv = [0.5, -0.2, 0, 0.1, 0.3];
    const off = tf.add(grad, tf.tensor1d(dv));
    const res = await infidelity(m, x, off, { target: 1, samples: 4000, noise: 0.2, batchSize: 1000 });
    const want = 0.04 * dv.reduce((s, v) => s + v * v, 0);
    expect(Math.abs(res.infidelity - want)).toBeLessThan(0.1 * want);
    // normalised: the best scale of 2 * gradient is 1/2, so the infidelity is 0 again
    const twice = tf.mul(grad, 2);
    expect((await infidelity(m, x, twice, { target: 1, normalize: true, samples: 10 })).infidelity).toBeLessThan(1e-8);
    // sensitivity: saliency of a linear model is constant; gradient x input moves by at most r |w| / |x w|
    const s0 = await sensitivity(m, x, (mm, v) => saliency(mm, v, { target: 1, absolute: false }));
    expect(s0.sensitivity).toBeLessThan(1e-6);
    const s1 = await sensitivity(m, x, (mm, v) => gradientTimesInput(mm, v, { target: 1 }), { radius: 0.05 });
    const xs = (await x.array()) as number[][];
    const wn = Math.hypot(...w);
    s1.perInput.forEach((v, n) => {
      const bound = (0.05 * wn) / Math.hypot(...xs[n].map((xi, i) => xi * w[i]));
      expect(v).toBeGreaterThan(0.2 * bound);
      expect(v).toBeLessThanOrEqual(bound * (1 + 1e-5));
    });
    expect(tf.memory().numTensors).toBe(before + 3);
    tf.dispose([x, grad, off, twice]);
  });

  test('LIME on a linear model with one-pixel superpixels recovers the contributions x_i w_i', async () => {
    const m = linear(6, 2);
    const x = uniform([2, 6], 6, 0, 1);
    const { w } = await weights(m, 0);
    const before = tf.memory().numTensors;
    const r = await lime(m, x, { target: 0, cellSize: 1, samples: 64, ridge: 1e-6 });
    expect(tf.memory().numTensors).toBe(before + 1);
    const got = (await r.array()) as number[][];
    ((await x.array()) as number[][]).forEach((xi, n) => {
      expect(
        relErr(
          got[n],
          xi.map((v, i) => v * w[i]),
        ),
      ).toBeLessThan(1e-4);
    });
    // 2 x 3 cells on a 1 x 6 row: both pixels of a cell share the cell's summed contribution
    const r2 = await lime(m, x, { target: 0, cellSize: [1, 2], samples: 32, ridge: 1e-6 });
    const g2 = (await r2.array()) as number[][];
    const x0 = ((await x.array()) as number[][])[0];
    for (let c = 0; c < 3; c++) {
      const want = x0[2 * c] * w[2 * c] + x0[2 * c + 1] * w[2 * c + 1];
      expect(g2[0][2 * c]).toBeCloseTo(want, 4);
      expect(g2[0][2 * c + 1]).toBeCloseTo(want, 4);
    }
    tf.dispose([x, r, r2]);
  });
});
