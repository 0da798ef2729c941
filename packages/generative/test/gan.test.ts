import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend, progressBar, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  GanTrainer,
  ganDiscriminator,
  ganGenerator,
  gradientPenalty,
  loadAdversarialCheckpoint,
  TrainingDivergedError,
} from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-gan-'));
beforeAll(async () => {
  await initBackend({ prefer: ['wasm', 'cpu'] });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snapshot = (m: tfl.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
const trainableSnapshot = (m: tfl.LayersModel) => m.trainableWeights.map((w) => Array.from(w.read().dataSync()));
const changed = (a: number[][], b: number[][]) => a.map((w, i) => w.some((v, j) => v !== b[i][j]));

function tinyDcgan(classes = 0) {
  const generator = ganGenerator({ outputShape: [8, 8, 1], latentDim: 4, filters: [8, 4], classes });
  const discriminator = ganDiscriminator({ inputShape: [8, 8, 1], filters: [4, 8], classes });
  return { generator, discriminator };
}

describe('GanTrainer: each step updates exactly its own network', () => {
  for (const [name, loss, classes, auxiliaryClassifier] of [
    ['DCGAN, non-saturating', 'nonSaturating', 0, false],
    ['conditional DCGAN (projection)', 'nonSaturating', 3, false],
    ['AC-GAN (projection + auxiliary classifier)', 'nonSaturating', 3, true],
    ['WGAN-GP (critic without batch norm)', 'wgan-gp', 0, false],
  ] as const) {
    test(`${name}: G step leaves every D weight bit-identical; D step changes every D weight, not G`, async () => {
      seed(5);
      const generator = ganGenerator({ outputShape: [8, 8, 1], latentDim: 4, filters: [8, 4], classes });
      const discriminator = ganDiscriminator({
        inputShape: [8, 8, 1],
        filters: [4, 8],
        classes,
        batchNorm: loss !== 'wgan-gp',
        auxiliaryClassifier,
      });
      const trainer = new GanTrainer({ generator, discriminator, loss });
      const real = tf.randomUniform([6, 8, 8, 1], -1, 1);
      const labels = classes ? tf.tensor1d([0, 1, 2, 0, 1, 2]) : undefined;
      const before = tf.memory().numTensors;
      // the first steps create the optimizers' slots: count tensors from the second round on
      await trainer.discriminatorStep(real, labels);
      await trainer.generatorStep(6);
      const settled = tf.memory().numTensors;
      expect(settled).toBeGreaterThan(before);

      const d0 = snapshot(discriminator);
      const g0 = snapshot(generator);
      const gt0 = trainableSnapshot(generator);
      await trainer.generatorStep(6);
      expect(snapshot(discriminator)).toEqual(d0); // every D weight, batch-norm statistics included
      expect(changed(gt0, trainableSnapshot(generator)).every(Boolean)).toBe(true);

      const g1 = snapshot(generator);
      const dt1 = trainableSnapshot(discriminator);
      await trainer.discriminatorStep(real, labels);
      expect(snapshot(generator)).toEqual(g1);
      const moved = changed(dt1, trainableSnapshot(discriminator));
      // the Wasserstein loss mean D(fake) - mean D(real) (and the penalty) do not depend on the critic's last
      // bias: its gradient is exactly 0, so that one weight stays; every other one moves
      const names = discriminator.trainableWeights.map((w) => w.originalName);
      const expected = names.map((n) => !(loss === 'wgan-gp' && n === 'logit/bias'));
      expect(moved).toEqual(expected);
      expect(g1).not.toEqual(g0);
      expect(tf.memory().numTensors).toBe(settled);
      tf.dispose([real, labels].filter((t): t is tf.Tensor => t !== undefined));
      trainer.dispose();
      generator.dispose();
      discriminator.dispose();
    });
  }
});

describe('conditional discriminator', () => {
  test("projection: logit = w . phi(x) + b + embed(y) . phi(x), recomputed from the model's own weights; save/load keeps it", async () => {
    seed(11);
    const d = ganDiscriminator({ inputShape: [6], kind: 'dense', classes: 3, filters: [5] });
    const x = tf.randomNormal([4, 6]);
    const y = tf.tensor2d([[0], [2], [1], [2]]);
    const byLayer = (cls: string) => d.layers.filter((l) => l.getClassName() === cls);
    const [hidden, head] = byLayer('Dense');
    const [embedding] = byLayer('Embedding');
    // a unit-scale table, so that the class term is not lost in the tolerance
    tf.tidy(() => embedding.setWeights([tf.randomNormal(embedding.getWeights()[0].shape)]));
    const [hk, hb] = hidden.getWeights();
    const [wk, wb] = head.getWeights();
    const [table] = embedding.getWeights();
    const reference = (classes: tf.Tensor) =>
      tf.tidy(() => {
        const phi = tf.leakyRelu(tf.add(tf.matMul(x, hk), hb), 0.2);
        const e = tf.gather(table, tf.cast(tf.reshape(classes, [-1]), 'int32'));
        return Array.from(tf.add(tf.add(tf.matMul(phi, wk), wb), tf.sum(tf.mul(e, phi), 1, true)).dataSync());
      });
    const got = d.predict([x, y]) as tf.Tensor;
    const gotData = Array.from(got.dataSync());
    for (const [i, v] of reference(y).entries()) expect(gotData[i]).toBeCloseTo(v, 5);
    // another class, another logit
    const other = tf.tensor2d([[1], [0], [2], [0]]);
    const moved = reference(other).map((v, i) => Math.abs(v - gotData[i]));
    expect(Math.min(...moved)).toBeGreaterThan(1e-3);
    other.dispose();
    let saved: tf.io.ModelArtifacts | undefined;
    await d.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const again = loaded.predict([x, y]) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(gotData);
    tf.dispose([x, y, got, again]);
    loaded.dispose();
    d.dispose();
  });

  test('AC-GAN: the class cross-entropy enters both losses with classWeight (D on the fakes too unless classifyFakes is false); mismatched heads are refused', async () => {
    for (const classWeight of [0, 1, 2.5]) {
      const generator = ganGenerator({ outputShape: [6], kind: 'dense', latentDim: 4, classes: 4, filters: [8] });
      const discriminator = ganDiscriminator({
        inputShape: [6],
        kind: 'dense',
        classes: 4,
        filters: [5],
        auxiliaryClassifier: true,
      });
      // zero heads: logit 0 (BCE(0, 1) = log 2) and uniform class logits (cross-entropy log 4), whatever the fakes
      for (const l of discriminator.layers)
        if (['logit', 'class_logits'].includes(l.name) || l.getClassName() === 'Embedding')
          tf.tidy(() => l.setWeights(l.getWeights().map((w) => tf.zerosLike(w))));
      const trainer = new GanTrainer({ generator, discriminator, classWeight });
      expect(await trainer.generatorStep(5)).toBeCloseTo(Math.log(2) + classWeight * Math.log(4), 5);
      // D: BCE(0, 1) + BCE(0, 0) = 2 log 2, plus the class cross-entropy of the reals and (by default) the fakes
      const real = tf.randomUniform([5, 6], -1, 1);
      const ids = tf.tensor1d([0, 1, 2, 3, 0]);
      for (const classifyFakes of [true, false]) {
        const d = new GanTrainer({ generator, discriminator, classWeight, classifyFakes });
        const expected = 2 * Math.log(2) + classWeight * (classifyFakes ? 2 : 1) * Math.log(4);
        expect(await d.discriminatorStep(real, ids)).toBeCloseTo(expected, 5);
        d.dispose();
        // that step moved D's heads: zero them again
        for (const l of discriminator.layers)
          if (['logit', 'class_logits'].includes(l.name) || l.getClassName() === 'Embedding')
            tf.tidy(() => l.setWeights(l.getWeights().map((w) => tf.zerosLike(w))));
      }
      tf.dispose([real, ids]);
      expect(() => new GanTrainer({ generator, discriminator, classifyFakes: 1 as never })).toThrow(
        /GanTrainer: classifyFakes/,
      );
      trainer.dispose();
      generator.dispose();
      discriminator.dispose();
    }
    const g = ganGenerator({ outputShape: [6], kind: 'dense', latentDim: 4, classes: 4, filters: [8] });
    const d = ganDiscriminator({ inputShape: [6], kind: 'dense', classes: 3, filters: [5], auxiliaryClassifier: true });
    expect(() => new GanTrainer({ generator: g, discriminator: d })).toThrow(/GanTrainer: discriminator/);
    expect(() => ganDiscriminator({ inputShape: [6], kind: 'dense', auxiliaryClassifier: true })).toThrow(
      /ganDiscriminator: auxiliaryClassifier/,
    );
    g.dispose();
    d.dispose();
  });

  test("the generator's class embedding starts at unit scale, as loud as z", () => {
    seed(12);
    const g = ganGenerator({ outputShape: [4], kind: 'dense', latentDim: 50, classes: 10, filters: [8] });
    const [table] = g.layers.find((l) => l.getClassName() === 'Embedding')?.getWeights() ?? [];
    const sd = tf.tidy(() => tf.sqrt(tf.mean(tf.square(table))).dataSync()[0]);
    expect(sd).toBeGreaterThan(0.8);
    expect(sd).toBeLessThan(1.2);
    g.dispose();
  });

  test('concat conditioning still builds: the class joins the input; bad values are typed errors', () => {
    const d = ganDiscriminator({ inputShape: [8, 8, 1], filters: [4, 8], classes: 3, conditioning: 'concat' });
    expect(d.layers.some((l) => l.getClassName() === 'Dot')).toBe(false);
    expect(d.inputs.length).toBe(2);
    d.dispose();
    expect(() =>
      ganDiscriminator({ inputShape: [6], kind: 'dense', classes: 3, conditioning: 'sum' as never }),
    ).toThrow(/ganDiscriminator: conditioning/);
    // the generator's batch norm: DCGAN's default, a dense option
    const bnCount = (m: tfl.LayersModel) => m.layers.filter((l) => l.getClassName() === 'BatchNormalization').length;
    const dense = ganGenerator({ outputShape: [6], kind: 'dense', latentDim: 4, filters: [8, 8] });
    const denseBn = ganGenerator({ outputShape: [6], kind: 'dense', latentDim: 4, filters: [8, 8], batchNorm: true });
    const dcgan = ganGenerator({ outputShape: [8, 8, 1], latentDim: 4, filters: [8, 4] });
    expect([bnCount(dense), bnCount(denseBn), bnCount(dcgan)]).toEqual([0, 2, 2]);
    tf.dispose([dense, denseBn, dcgan].flatMap((m) => m.getWeights()));
    expect(() => ganGenerator({ outputShape: [6], kind: 'dense', batchNorm: 1 as never })).toThrow(
      /ganGenerator: batchNorm/,
    );
  });
});

describe('losses', () => {
  test('discriminator loss with label smoothing and the non-saturating / minimax generator losses, exactly', async () => {
    const { generator, discriminator } = tinyDcgan();
    // a discriminator that says logit 1 for everything: zero kernel, bias 1
    const head = discriminator.getLayer('logit');
    const [k] = head.getWeights();
    head.setWeights([tf.zerosLike(k), tf.ones([1])]);
    const sp1 = Math.log1p(Math.E);
    const real = tf.zeros([4, 8, 8, 1]);
    for (const [loss, smoothing, d, g] of [
      ['nonSaturating', 0.1, sp1 - 0.9 + sp1, sp1 - 1],
      ['minimax', 0, sp1 - 1 + sp1, -sp1],
    ] as const) {
      head.setWeights([tf.zerosLike(k), tf.ones([1])]);
      const t = new GanTrainer({
        generator,
        discriminator,
        loss,
        labelSmoothing: smoothing,
        discriminatorOptimizer: tf.train.sgd(0),
        generatorOptimizer: tf.train.sgd(0),
      });
      expect(await t.discriminatorStep(real)).toBeCloseTo(d, 5);
      expect(await t.generatorStep(4)).toBeCloseTo(g, 5);
      t.dispose();
    }
    real.dispose();
  });

  test('gradient penalty: exact for a linear critic, and its value and weight gradient match finite differences', () => {
    const w = tf.tensor2d([[0.3], [-0.4], [1.2]]);
    const real = tf.tensor2d([
      [0.1, 0.2, 0.3],
      [-0.5, 0.4, 0.9],
    ]);
    const fake = tf.tensor2d([
      [0.7, -0.2, 0.1],
      [0.0, 0.3, -0.6],
    ]);
    const eps = tf.tensor1d([0.25, 0.6]);
    const norm = Math.hypot(0.3, -0.4, 1.2);
    expect(gradientPenalty((x) => tf.matMul(x, w), real, fake, eps).dataSync()[0]).toBeCloseTo((norm - 1) ** 2, 5);

    tf.dispose([w, real, fake, eps]);
  });

  // Nonlinear critics f(x) = act(x W1)^2 v. tanh, sigmoid and ELU need core's gradient fixes: tfjs's own gave
  // second derivatives that were silently wrong (tanh, sigmoid) or threw (ELU).
  const ACTS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
    leakyRelu: (x) => tf.leakyRelu(x, 0.2),
    tanh: tf.tanh,
    sigmoid: tf.sigmoid,
    elu: tf.elu,
  };
  test.each(Object.keys(ACTS))(
    'gradient penalty of a %s critic: value and weight gradient match finite differences',
    (act) => {
      const real = tf.tensor2d([
        [0.1, 0.2, 0.3],
        [-0.5, 0.4, 0.9],
      ]);
      const fake = tf.tensor2d([
        [0.7, -0.2, 0.1],
        [0.0, 0.3, -0.6],
      ]);
      const eps = tf.tensor1d([0.25, 0.6]);
      const W1 = tf.tensor2d([
        [0.5, -1.1],
        [0.8, 0.3],
        [-0.7, 0.9],
      ]);
      const v = tf.tensor2d([[1.3], [-0.6]]);
      const critic = (W: tf.Tensor) => (x: tf.Tensor) => tf.matMul(tf.square(ACTS[act](tf.matMul(x, W))), v);
      const f = (x: number[], W: tf.Tensor) => tf.tidy(() => critic(W)(tf.tensor2d([x])).dataSync()[0]);
      const penaltyByFd = (W: tf.Tensor) => {
        const r = real.arraySync() as number[][];
        const fk = fake.arraySync() as number[][];
        const e = [0.25, 0.6];
        let sum = 0;
        for (let i = 0; i < 2; i++) {
          const xh = r[i].map((a, j) => e[i] * a + (1 - e[i]) * fk[i][j]);
          const h = 1e-2;
          const g = xh.map((_, j) => {
            const up = [...xh];
            const dn = [...xh];
            up[j] += h;
            dn[j] -= h;
            return (f(up, W) - f(dn, W)) / (2 * h);
          });
          sum += (Math.hypot(...g) - 1) ** 2;
        }
        return sum / 2;
      };
      const gp = (W: tf.Tensor) => gradientPenalty(critic(W), real, fake, eps);
      expect(gp(W1).dataSync()[0]).toBeCloseTo(penaltyByFd(W1), 3);
      // d penalty / d W1 (a second derivative of the critic) against finite differences of the penalty
      const analytic = tf.grad(gp)(W1).arraySync() as number[][];
      const h = 1e-2;
      for (const [i, j] of [
        [0, 0],
        [1, 1],
        [2, 0],
      ]) {
        const bump = (s: number) => tf.tidy(() => tf.add(W1, tf.scatterND([[i, j]], [s * h], [3, 2])));
        const up = bump(1);
        const dn = bump(-1);
        const fd = (gp(up).dataSync()[0] - gp(dn).dataSync()[0]) / (2 * h);
        expect(analytic[i][j], `d penalty / d W1[${i}][${j}]`).toBeCloseTo(fd, 2);
        tf.dispose([up, dn]);
      }
      tf.dispose([real, fake, eps, W1, v]);
    },
  );
});

describe('training', () => {
  test('a dense GAN learns the mean of a 2-D Gaussian; n D steps per G step; no leak over steps', async () => {
    seed(3);
    const generator = ganGenerator({ kind: 'dense', outputShape: [2], latentDim: 2, filters: [16] });
    const discriminator = ganDiscriminator({ kind: 'dense', inputShape: [2], filters: [16] });
    const trainer = new GanTrainer({
      generator,
      discriminator,
      discriminatorSteps: 2,
      generatorOptimizer: tf.train.adam(5e-3, 0.5),
      discriminatorOptimizer: tf.train.adam(5e-3, 0.5),
    });
    const data = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([512, 2]), 0.05), tf.tensor1d([0.5, -0.5])));
    const x0 = trainer.generate(1000);
    const m0 = tf.mean(x0, 0).arraySync() as number[];
    x0.dispose();
    await trainer.train(data, { steps: 5, batchSize: 32 });
    const before = tf.memory().numTensors;
    const h = await trainer.train(data, { steps: 295, batchSize: 32 });
    expect(tf.memory().numTensors).toBe(before);
    expect(h.length).toBe(295);
    expect(trainer.step).toBe(300);
    const x = trainer.generate(1000);
    const m = tf.mean(x, 0).arraySync() as number[];
    x.dispose();
    const dist = Math.hypot(m[0] - 0.5, m[1] + 0.5);
    expect(dist).toBeLessThan(0.15);
    expect(dist).toBeLessThan(Math.hypot(m0[0] - 0.5, m0[1] + 0.5) / 2);
    data.dispose();
    trainer.dispose();
  });

  test('sample grids, checkpoints of both networks and optimizers, progress lines', async () => {
    seed(4);
    const { generator, discriminator } = tinyDcgan(3);
    const trainer = new GanTrainer({ generator, discriminator });
    const images = tf.randomUniform([16, 8, 8, 1], -1, 1);
    const labels = tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3));
    const lines: string[] = [];
    await trainer.train(images, {
      labels,
      steps: 4,
      batchSize: 8,
      sampleEvery: 2,
      sampleDir: join(dir, 'samples'),
      checkpointEvery: 4,
      checkpointDir: join(dir, 'ckpt'),
      progress: progressBar({ stream: { write: (s: string) => lines.push(s) }, verbose: 2 }),
    });
    expect(readdirSync(join(dir, 'samples')).sort()).toEqual(['step-000002.png', 'step-000004.png']);
    expect(lines.join('')).toMatch(/dLoss/);
    expect(existsSync(join(dir, 'ckpt', 'generator'))).toBe(true);
    const loaded = await loadAdversarialCheckpoint(join(dir, 'ckpt'));
    expect(loaded.step).toBe(4);
    expect(snapshot(loaded.generator)).toEqual(snapshot(generator));
    expect(snapshot(loaded.discriminator)).toEqual(snapshot(discriminator));
    const w = async (o: tf.Optimizer) => (await o.getWeights()).map((v) => Array.from(v.tensor.dataSync()));
    expect(await w(loaded.discriminatorOptimizer)).toEqual(await w(trainer.discriminatorOptimizer));
    expect(await w(loaded.generatorOptimizer)).toEqual(await w(trainer.generatorOptimizer));
    const resumed = new GanTrainer({ ...loaded });
    expect(resumed.classes).toBe(3);
    await resumed.train(images, { labels, steps: 1, batchSize: 8 });
    expect(resumed.step).toBe(5);
    const lab = tf.tensor1d([0, 1, 2]);
    const b0 = tf.memory().numTensors;
    resumed.generate(3, lab).dispose();
    expect(tf.memory().numTensors).toBe(b0);
    lab.dispose();
    tf.dispose([images, labels]);
    trainer.dispose();
    resumed.dispose();
  });

  test('bad input and divergence: typed errors; a NaN loss stops the step before any update', async () => {
    const { generator, discriminator } = tinyDcgan();
    const other = ganDiscriminator({ inputShape: [4, 4, 1], filters: [4] });
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as InputError).input;
      }
      throw new Error('no error');
    };
    expect(err(() => new GanTrainer({ generator, discriminator: other }))).toBe('GanTrainer: generator');
    expect(err(() => ganGenerator({ outputShape: [8, 8, 1], latentDim: 0 }))).toBe('ganGenerator: latentDim');
    const t = new GanTrainer({ generator, discriminator });
    await expect(t.train(tf.fill([4, 8, 8, 1], 2))).rejects.toMatchObject({ input: 'GanTrainer.train: images' });
    await expect(t.train(tf.fill([4, 8, 8, 1], Number.NaN))).rejects.toMatchObject({
      input: 'GanTrainer.train: images',
    });
    await expect(t.train(tf.zeros([4, 7, 7, 1]))).rejects.toMatchObject({ input: 'GanTrainer.train: images' });
    await expect(t.train(tf.zeros([4, 8, 8, 1]), { labels: tf.zeros([4]) })).rejects.toMatchObject({
      input: 'GanTrainer.train: labels',
    });
    const cond = tinyDcgan(3);
    const ct = new GanTrainer(cond);
    await expect(ct.train(tf.zeros([4, 8, 8, 1]), { labels: tf.tensor1d([0, 1, 2]) })).rejects.toMatchObject({
      input: 'GanTrainer.train: labels',
    });
    await expect(ct.train(tf.zeros([3, 8, 8, 1]), { labels: tf.tensor1d([0, 1, 5]) })).rejects.toMatchObject({
      input: 'GanTrainer.train: labels',
    });
    // a NaN weight makes the discriminator's loss NaN: TrainingDivergedError, and no weight was updated
    const head = discriminator.getLayer('logit');
    const [k, b] = head.getWeights();
    head.setWeights([k, tf.fill([1], Number.NaN)]);
    const d0 = snapshot(discriminator);
    await expect(t.train(tf.zeros([8, 8, 8, 1]), { steps: 2, batchSize: 4 })).rejects.toBeInstanceOf(
      TrainingDivergedError,
    );
    expect(snapshot(discriminator).map((w) => w.map(String))).toEqual(d0.map((w) => w.map(String)));
    b.dispose();
    t.dispose();
    ct.dispose();
  });
});
