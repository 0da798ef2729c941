import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { auroc, createRng, InputError, initBackend, seed } from '@tiefe/core';
import { augmentImages, loadFashionMnist, loadMnist, trainTestSplit } from '@tiefe/datasets';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROBUSTNESS_AUGMENTATIONS, robustnessReport } from '../src/index.js';

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

beforeAll(async () => {
  await initBackend({ prefer: ['wasm', 'cpu'] });
});

/**
 * 2x2 grey images -> flatten -> dense(2): class 0 when the left column is brighter than the right one.
 * logit0 = x00 + x10 - x01 - x11 (+ bias), logit1 = -logit0, so everything is computable by hand.
 */
function columnModel(activation: 'softmax' | 'linear'): tfl.LayersModel {
  const input = tfl.input({ shape: [2, 2, 1] });
  const flat = tfl.layers.flatten().apply(input);
  const out = tfl.layers.dense({ units: 2, activation }).apply(flat) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  tf.tidy(() => model.setWeights([tf.tensor2d([1, -1, -1, 1, 1, -1, -1, 1], [4, 2]), tf.tensor1d([0.05, -0.05])]));
  return model;
}

/** Class and maximum softmax probability of each 2x2 image, by hand. */
function byHand(pixels: ArrayLike<number>, n: number): { cls: number[]; msp: number[] } {
  const cls: number[] = [];
  const msp: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c, d] = [0, 1, 2, 3].map((k) => pixels[i * 4 + k]);
    const l0 = a + c - b - d + 0.05;
    const l1 = -l0;
    cls.push(l0 >= l1 ? 0 : 1);
    const p0 = Math.exp(l0) / (Math.exp(l0) + Math.exp(l1));
    msp.push(Math.max(p0, 1 - p0));
  }
  return { cls, msp };
}

/** Accuracy by hand of the perturbed images, perturbed as documented: batch b with seed + b, clipped to [0, 1]. */
function perturbedAccuracy(
  x: tf.Tensor4D,
  labels: number[],
  batchSize: number,
  options: object,
  seedBase: number,
): number {
  const n = x.shape[0];
  let correct = 0;
  for (let start = 0, b = 0; start < n; start += batchSize, b++) {
    const size = Math.min(batchSize, n - start);
    const pixels = tf.tidy(() =>
      augmentImages(tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D, {
        clip: [0, 1],
        ...options,
        seed: seedBase + b,
      }).dataSync(),
    );
    const { cls } = byHand(pixels, size);
    cls.forEach((c, i) => {
      if (c === labels[start + i]) correct++;
    });
  }
  return correct / n;
}

describe('robustnessReport', () => {
  test('accuracies under augmentations and noise, and the OOD AUROC, equal a hand computation on a tiny model', async () => {
    const rng = createRng(5);
    const n = 40;
    const x = tf.tensor4d(
      Float32Array.from({ length: n * 4 }, () => rng.next()),
      [n, 2, 2, 1],
    );
    const clean = byHand(x.dataSync(), n);
    // Labels: the model's class, except 8 flipped ones -> clean accuracy 32/40.
    const labels = clean.cls.map((c, i) => (i % 5 === 0 ? 1 - c : c));
    const ood = tf.tensor4d(
      Float32Array.from({ length: 12 * 4 }, () => 0.4 + 0.2 * rng.next()),
      [12, 2, 2, 1],
    );
    const model = columnModel('softmax');
    const augmentations = { mirror: { flipHorizontal: true }, brighter: { brightness: 0.5 } };
    const options = { x, y: labels, augmentations, gaussianSigmas: [0.05, 0.5], ood, seed: 3, batchSize: 8 };
    const before = tf.memory().numTensors;
    const r = await robustnessReport(model, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.samples).toBe(n);
    expect(r.clean).toBe(32 / 40);
    expect(r.augmentations.map((a) => a.name)).toEqual(['mirror', 'brighter']);
    expect(r.augmentations[0].accuracy).toBe(perturbedAccuracy(x, labels, 8, augmentations.mirror, 3));
    expect(r.augmentations[1].accuracy).toBe(perturbedAccuracy(x, labels, 8, augmentations.brighter, 3));
    // Mirroring swaps the class of about half of the images.
    expect(r.augmentations[0].accuracy).toBeLessThan(0.7);
    expect(r.augmentations[0].drop).toBeCloseTo(r.clean - r.augmentations[0].accuracy, 12);
    expect(r.noise.map((v) => v.sigma)).toEqual([0.05, 0.5]);
    for (const v of r.noise) expect(v.accuracy).toBe(perturbedAccuracy(x, labels, 8, { noiseStd: v.sigma }, 3));
    expect(r.noise[1].accuracy).not.toBe(r.clean);
    // OOD: MSP by hand, AUROC by counting every in/out pair (ties half), FPR at the 38th largest of 40 scores.
    const out = byHand(ood.dataSync(), 12);
    let wins = 0;
    for (const a of clean.msp) for (const b of out.msp) wins += a > b ? 1 : a === b ? 0.5 : 0;
    const o = r.ood;
    expect(o?.auroc).toBeCloseTo(wins / (40 * 12), 6);
    const t = [...clean.msp].sort((a, b) => b - a)[37];
    expect(o?.fprAt95Tpr).toBeCloseTo(out.msp.filter((s) => s >= t - 1e-7).length / 12, 12);
    expect(o?.meanScoreIn).toBeCloseTo(clean.msp.reduce((a, b) => a + b) / 40, 6);
    expect(o?.meanScoreOut).toBeCloseTo(out.msp.reduce((a, b) => a + b) / 12, 6);
    expect([o?.inDistribution, o?.outOfDistribution]).toEqual([40, 12]);

    // The same model with a linear output and outputs: 'logits' gives the same report.
    const logitModel = columnModel('linear');
    const rl = await robustnessReport(logitModel, { ...options, outputs: 'logits' });
    expect(rl.clean).toBe(r.clean);
    expect(rl.ood?.auroc).toBeCloseTo(o?.auroc as number, 6);
    expect(rl.ood?.meanScoreIn).toBeCloseTo(o?.meanScoreIn as number, 6);
    expect(rl.ood?.fprAt95Tpr).toBe(o?.fprAt95Tpr);
    expect(rl.ood?.fprAt95Tpr).toBe(o?.fprAt95Tpr);
    tf.dispose([x, ood]);
    model.dispose();
    logitModel.dispose();
  });

  test('AUROC of a hand-made case with a tie', () => {
    // in-distribution scores 0.9, 0.5; OOD 0.5, 0.1: pairs 1 + 1 + 0.5 (tie) + 1 = 3.5 of 4.
    expect(auroc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0])).toBe(0.875);
  });

  test('a digit classifier on MNIST vs the Fashion-MNIST sample as out-of-distribution set', async () => {
    const mnist = await loadMnist({ dir: `${DATA}mnist`, split: 'test', limit: 1500 });
    const { train, test: held } = trainTestSplit(mnist, { testSize: 300, seed: 1, stratify: true });
    const fashion = await loadFashionMnist({ dir: `${DATA}fashion-mnist-sample`, split: 'test' });
    seed(1);
    // A 2-conv net without batch norm: blocks' smallCnn (8/16 filters) took 3x as long here for the same check.
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(train.images, train.labels, { epochs: 4, batchSize: 32, verbose: 0 });
    const before = tf.memory().numTensors;
    const r = await robustnessReport(model, {
      x: held.images as tf.Tensor4D,
      y: held.labels,
      gaussianSigmas: [0.1, 0.5],
      ood: fashion.images as tf.Tensor4D,
      seed: 1,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.augmentations.map((a) => a.name)).toEqual(Object.keys(ROBUSTNESS_AUGMENTATIONS));
    expect(r.clean).toBeGreaterThan(0.85); // measured 0.923
    // Strong noise costs accuracy; the digit model is less sure on clothes than on digits.
    expect(r.noise[1].accuracy).toBeLessThan(r.noise[0].accuracy);
    expect(r.ood?.outOfDistribution).toBe(50);
    expect(r.ood?.auroc).toBeGreaterThan(0.7); // measured 0.795 (wasm)
    expect(r.ood?.meanScoreOut).toBeLessThan(r.ood?.meanScoreIn as number);
    tf.dispose([
      mnist.images,
      mnist.labels,
      train.images,
      train.labels,
      held.images,
      held.labels,
      fashion.images,
      fashion.labels,
    ]);
    model.dispose();
  });

  test('bad input: typed errors naming the argument', async () => {
    const model = columnModel('softmax');
    const x = tf.zeros([2, 2, 2, 1]) as tf.Tensor4D;
    const err = async (options: object, input: string) => {
      const e = await robustnessReport(model, { x, y: [0, 1], ...options }).then(
        () => null,
        (v: unknown) => v,
      );
      expect(e, input).toBeInstanceOf(InputError);
      expect((e as InputError).input).toBe(input);
    };
    await err({ gaussianSigmas: [-1] }, 'robustnessReport: gaussianSigmas[0]');
    await err({ ood: tf.zeros([1, 3, 3, 1]) }, 'robustnessReport: ood');
    await err({ outputs: 'scores' }, 'robustnessReport: outputs');
    await err({ clip: [1, 0] }, 'robustnessReport: clip');
    await err({ x: tf.zeros([2, 4]) }, 'robustnessReport: x');
    await expect(robustnessReport({} as tfl.LayersModel, { x, y: [0, 1] })).rejects.toThrow(InputError);
    x.dispose();
    model.dispose();
  });
});
