import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { unet } from '@tiefe/blocks';
import { initBackend, seed } from '@tiefe/core';
import { syntheticShapes2d } from '@tiefe/datasets';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  gradientTimesInput,
  integratedGradients,
  lrp,
  occlusion,
  predictionDifference,
  rules,
  saliency,
} from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';
import { unrollConv2d } from './reference.js';

beforeAll(() => initBackend({ prefer: ['wasm', 'cpu'] }));

describe('segmentation targets: a pixel, a region mask or a class summed over an [N, H, W, C] output', () => {
  test('on a linear FCN the gradient is the sum of the unrolled kernel columns the target selects', async () => {
    const m = tfl.sequential({
      layers: [tfl.layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, padding: 'same' })],
    });
    fixWeights(m, 2);
    const [k] = m.getWeights();
    const u = unrollConv2d(k.dataSync() as Float32Array, k.shape, [5, 5], 'same').w; // [50][75]
    const x = uniform([2, 5, 5, 2], 3, 0, 1);
    const column = (weights: (pos: number) => number, c: number) =>
      u.map((row) => row.reduce((s, v, j) => s + (j % 3 === c ? weights(Math.floor(j / 3)) * v : 0), 0));
    const check = async (target: Parameters<typeof saliency>[2], want: number[][]) => {
      const before = tf.memory().numTensors;
      const g = await saliency(m, x, { ...target, absolute: false });
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = (await g.array()) as number[][][][];
      got.forEach((img, n) => {
        expect(relErr(img.flat(2), want[n])).toBeLessThan(1e-5);
      });
      g.dispose();
    };
    // one pixel of class 2 for both inputs
    const px = column((p) => (p === 1 * 5 + 3 ? 1 : 0), 2);
    await check({ target: { class: 2, pixel: [1, 3] } }, [px, px]);
    // a class summed over every pixel, one class per input
    await check({ target: [0, 1] }, [column(() => 1, 0), column(() => 1, 1)]);
    // a weighted region mask [H, W], and a per-input mask [N, H, W]
    const maskData = Array.from({ length: 25 }, (_, p) => (p % 5 >= 2 && Math.floor(p / 5) <= 2 ? 1 : 0));
    const mask = tf.tensor2d(maskData, [5, 5]);
    const byMask = column((p) => maskData[p], 1);
    await check({ target: { class: 1, mask } }, [byMask, byMask]);
    const perInput = tf.stack([mask, tf.onesLike(mask)]);
    await check({ target: { class: 1, mask: perInput } }, [byMask, column(() => 1, 1)]);
    await expect(saliency(m, x, { target: { class: 1, pixel: [5, 0] } })).rejects.toThrow(
      /saliency: target.pixel: expected 2 indices inside \[5,5\]/,
    );
    await expect(saliency(m, x, { target: { class: 1, mask: tf.ones([4, 4]) } })).rejects.toThrow(
      /saliency: target.mask: expected a tensor of shape \[5,5\] or \[2,5,5\]/,
    );
    // PDA needs a probability: one pixel is fine, a class summed over the image is refused (no NaN log-odds).
    const pda = await predictionDifference(m, x, {
      data: x,
      target: { class: 1, pixel: [2, 2] },
      samples: 2,
      windowSize: 2,
    });
    expect(Array.from(await pda.data()).every(Number.isFinite)).toBe(true);
    await expect(predictionDifference(m, x, { data: x, target: 1 })).rejects.toThrow(
      /predictionDifference: target: expected a class of a classifier or of one output pixel/,
    );
    tf.dispose([x, mask, perInput, pda]);
  });

  test('LRP-0 on a bias-free U-Net-like net (Conv2DTranspose, Concatenate) equals gradient x input for a region', async () => {
    const inp = tfl.input({ shape: [8, 8, 1] });
    const c1 = tfl.layers
      .conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', useBias: false })
      .apply(inp) as tfl.SymbolicTensor;
    const down = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(c1) as tfl.SymbolicTensor;
    const c2 = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', useBias: false })
      .apply(down) as tfl.SymbolicTensor;
    const up = tfl.layers
      .conv2dTranspose({ filters: 3, kernelSize: 2, strides: 2, useBias: false })
      .apply(c2) as tfl.SymbolicTensor;
    const cat = tfl.layers.concatenate().apply([c1, up]) as tfl.SymbolicTensor;
    const out = tfl.layers
      .conv2d({ filters: 3, kernelSize: 1, activation: 'softmax', useBias: false })
      .apply(cat) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: inp, outputs: out });
    fixWeights(m, 9);
    const x = uniform([2, 8, 8, 1], 4, 0, 1);
    const mask = tf.tensor2d(
      Array.from({ length: 64 }, (_, p) => (p % 8 < 4 && p < 40 ? 1 : 0)),
      [8, 8],
    );
    const target = { class: 2, mask };
    const before = tf.memory().numTensors;
    const r = await lrp(m, x, { rule: rules.zero(), target });
    const gi = await gradientTimesInput(m, x, { target });
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(relErr(await r.data(), await gi.data())).toBeLessThan(1e-4);
    // conservation: sum R = the masked sum of the class-2 logits
    const logits = tf.tidy(() => {
      const noSoftmax = tfl.model({ inputs: inp, outputs: cat });
      return noSoftmax.predict(x) as tf.Tensor;
    });
    const w = (await m.layers[m.layers.length - 1].getWeights()[0].data()) as Float32Array; // [1,1,6,3]
    const cats = (await logits.array()) as number[][][][];
    const rs = (await tf.sum(r, [1, 2, 3]).data()) as Float32Array;
    const md = (await mask.data()) as Float32Array;
    cats.forEach((img, n) => {
      let want = 0;
      img.flat().forEach((v, p) => {
        want += md[p] * v.reduce((s, a, ch) => s + a * w[ch * 3 + 2], 0);
      });
      expect(Math.abs(want)).toBeGreaterThan(1e-3);
      expect(Math.abs(rs[n] - want)).toBeLessThan(1e-4 * Math.abs(want));
    });
    tf.dispose([x, mask, r, gi, logits]);
  });

  test('synthetic shapes: a tiny U-Net trained on 256 scenes puts the relevance of "class k in this box" in the box', async () => {
    seed(3);
    const size = 16;
    const train = syntheticShapes2d({ n: 256, size, seed: 1 });
    const test = syntheticShapes2d({ n: 8, size, seed: 7, maxShapes: 1 });
    const model = unet({ inputShape: [size, size, 1], classes: 4, depth: 2, baseFilters: 8 });
    const y = tf.oneHot(train.masks, 4);
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
    await model.fit(train.images, y, { epochs: 6, batchSize: 16, shuffle: true, verbose: 0 });
    const pred = tf.tidy(() => tf.argMax(model.predict(test.images) as tf.Tensor, -1));
    const hit = tf.tidy(() => tf.mean(tf.cast(tf.equal(pred, test.masks), 'float32')));
    const pixelAccuracy = (await hit.data())[0];
    tf.dispose([pred, hit]);
    expect(pixelAccuracy).toBeGreaterThan(0.9);
    const masks = (await test.masks.array()) as number[][][];
    // Each test scene holds one object: its class k and its bounding box, and the box as a target mask.
    const classes: number[] = [];
    const box = new Float32Array(8 * size * size);
    masks.forEach((mk, n) => {
      let [t, l, b, r, k] = [size, size, -1, -1, 0];
      mk.forEach((row, i) => {
        row.forEach((v, j) => {
          if (v > 0) [t, l, b, r, k] = [Math.min(t, i), Math.min(l, j), Math.max(b, i), Math.max(r, j), v];
        });
      });
      classes.push(k);
      for (let i = t; i <= b; i++) for (let j = l; j <= r; j++) box[n * size * size + i * size + j] = 1;
    });
    const boxT = tf.tensor3d(box, [8, size, size]);
    const target = { class: classes, mask: boxT };
    const inside = async (rel: tf.Tensor) => {
      const a = (await tf.abs(rel).data()) as Float32Array;
      let [inS, all] = [0, 0];
      for (let p = 0; p < a.length; p++) {
        all += a[p];
        if (box[p]) inS += a[p];
      }
      rel.dispose();
      return inS / all;
    };
    const frac = {
      lrp: await inside(await lrp(model, test.images, { target })),
      gradientTimesInput: await inside(await gradientTimesInput(model, test.images, { target })),
      integratedGradients: await inside(await integratedGradients(model, test.images, { target, steps: 16 })),
      occlusion: await inside(await occlusion(model, test.images, { target, size: 2, stride: 2 })),
    };
    const area = box.reduce((s, v) => s + v, 0) / box.length;
    console.log(
      `segmentation: pixel accuracy ${pixelAccuracy.toFixed(3)}; relevance inside the object's box (box area ${area.toFixed(3)})`,
      frac,
    );
    for (const f of Object.values(frac)) expect(f).toBeGreaterThan(Math.max(0.5, 2 * area));
    tf.dispose([train.images, train.masks, test.images, test.masks, y, boxT]);
  });
});
