import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { compareTransfer, drawPerClass, loadModel, modelArtifacts } from '../src/index.js';
import { tinyNet } from './helpers/tinyNet.js';

/** 8x8 noise with a bright 4x4 block at one of three places: the class. */
function blocks(n: number, noiseSeed: number): { x: tf.Tensor4D; labels: Int32Array } {
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const x = tf.tidy(() => {
    const noise = tf.randomUniform([n, 8, 8, 1], 0, 0.4, 'float32', noiseSeed);
    const masks = [
      [0, 0],
      [4, 4],
      [0, 4],
    ].map(([r, c]) =>
      tf.pad(tf.ones([4, 4, 1]), [
        [r, 4 - r],
        [c, 4 - c],
        [0, 0],
      ]),
    );
    const bright = tf.stack(Array.from(labels, (l) => masks[l]));
    return tf.add(noise, bright) as tf.Tensor4D;
  });
  return { x, labels };
}

let artifacts: tf.io.ModelArtifacts;
const pool = blocks(60, 1);
const held = blocks(30, 2);
// The target task: the same images, classes renamed (a new label set the source never saw).
const rename = (l: Int32Array) => Int32Array.from(l, (c) => (c + 1) % 3);
const train = { x: pool.x, labels: rename(pool.labels) };
const test_ = { x: held.x, labels: rename(held.labels) };

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  seed(5);
  const source = tinyNet(3);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(pool.labels, 'int32'), 3), 'float32'));
  source.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
  await source.fit(pool.x, y, { epochs: 15, batchSize: 20, verbose: 0 });
  source.optimizer.dispose();
  artifacts = await modelArtifacts(source);
  tf.dispose([y]);
  source.dispose();
});
afterAll(() => tf.dispose([pool.x, held.x]));

/** A handler that counts how often the source is read. */
function counting(): { handler: tf.io.IOHandler; loads: () => number } {
  let n = 0;
  const handler: tf.io.IOHandler = {
    load: async () => {
      n++;
      return artifacts;
    },
  };
  return { handler, loads: () => n };
}

const small = { features: 'flat', classes: 3, train, test: test_, steps: 6, head: { epochs: 40, learningRate: 1e-2 } };

describe('drawPerClass', () => {
  test('k images of each class (all of a smaller class), the same for a seed, others for another seed', () => {
    const labels = [0, 1, 2, 0, 1, 0, 0, 1, 0, 1, 0];
    const a = drawPerClass(labels, 2, 3, 7);
    const count = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length;
    expect([0, 1, 2].map((c) => count(a, c))).toEqual([2, 2, 1]); // class 2 has one image
    expect(new Set(a).size).toBe(a.length);
    expect(drawPerClass(labels, 2, 3, 7)).toEqual(a);
    const draws = new Set([1, 2, 3, 4, 5, 6].map((s) => drawPerClass(labels, 2, 3, s).sort().join()));
    expect(draws.size).toBeGreaterThan(1);
    expect(drawPerClass(labels, 100, 3, 1).sort((p, q) => p - q)).toEqual(labels.map((_, i) => i));
  });
});

describe('compareTransfer', () => {
  test('a table of shots x strategies; frozen source features learn renamed classes from 2 per class', async () => {
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const table = await compareTransfer({
      ...small,
      source: artifacts,
      scratch: () => tinyNet(3),
      shots: [2, 5],
      seeds: [1, 2],
      log: (l) => lines.push(l),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(table.map((r) => `${r.shots}/${r.images}/${r.strategy}`)).toEqual([
      '2/6/scratch',
      '2/6/frozen',
      '2/6/fineTune',
      '5/15/scratch',
      '5/15/frozen',
      '5/15/fineTune',
    ]);
    for (const r of table) {
      expect(r.accuracies).toHaveLength(2);
      // Scored on the 30 test images: whole thirtieths.
      for (const a of r.accuracies) expect(Math.abs(a * 30 - Math.round(a * 30))).toBeLessThan(1e-6);
      const m = (r.accuracies[0] + r.accuracies[1]) / 2;
      expect(r.mean).toBeCloseTo(m, 12);
      expect(r.std).toBeCloseTo(Math.abs(r.accuracies[0] - r.accuracies[1]) / Math.SQRT2, 12);
    }
    expect(table.filter((r) => r.strategy === 'scratch').every((r) => r.gain === undefined)).toBe(true);
    // The source's features separate the blocks, whatever the classes are called; chance is 1/3.
    for (const r of table.filter((c) => c.strategy !== 'scratch')) expect(r.mean).toBeGreaterThan(0.9);
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^2\/class \(6 images\), frozen: \d+\.\d% \+- /);
  });

  test('gain: each transfer score minus the scratch score of the same seed (the same drawn images)', async () => {
    // Scratch differs by seed here: a fresh tinyNet (chance, 1/3) for seed 1, the source itself for seed 2
    // (it names the blocks by their old classes: near 0 on the renamed labels).
    const before = tf.memory().numTensors;
    const sourceCopy = await loadModel(artifacts); // compareTransfer disposes every scratch model it trains
    let calls = 0;
    const table = await compareTransfer({
      ...small,
      source: artifacts,
      scratch: () => (++calls === 1 ? tinyNet(3) : sourceCopy),
      shots: [2],
      seeds: [1, 2],
    });
    expect(tf.memory().numTensors).toBe(before);
    const [scratch, ...transfer] = table;
    expect(scratch.strategy).toBe('scratch');
    expect(scratch.gain).toBeUndefined();
    expect(scratch.accuracies[0] - scratch.accuracies[1]).toBeGreaterThan(0.2);
    for (const r of transfer) {
      const want = r.accuracies.map((a, i) => a - scratch.accuracies[i]);
      expect(r.gain?.perSeed).toEqual(want);
      expect(r.gain?.mean).toBeCloseTo((want[0] + want[1]) / 2, 12);
      expect(r.gain?.std).toBeCloseTo(Math.abs(want[0] - want[1]) / Math.SQRT2, 12);
    }
  });

  test('scores against the test labels: the same images with wrong labels score near 0', async () => {
    const wrong = { x: held.x, labels: Int32Array.from(test_.labels, (c) => (c + 1) % 3) };
    const [r] = await compareTransfer({
      ...small,
      source: artifacts,
      test: wrong,
      strategies: ['frozen'],
      shots: [5],
      seeds: [1],
    });
    expect(r.mean).toBeLessThan(0.1);
    expect(r.gain).toBeUndefined(); // no scratch row to pair with
  });

  test('fine-tuning works on a fresh copy of the source: the frozen heads of later seeds are unchanged', async () => {
    const frozenOnly = counting();
    const a = await compareTransfer({
      ...small,
      source: frozenOnly.handler,
      strategies: ['frozen'],
      shots: [2],
      seeds: [1, 2, 3],
    });
    const both = counting();
    const b = await compareTransfer({
      ...small,
      source: both.handler,
      strategies: ['fineTune'],
      fineTuneRate: 0.05, // large: a shared base would move a lot
      shots: [2],
      seeds: [1, 2, 3],
    });
    expect(b.map((r) => r.strategy)).toEqual(['frozen', 'fineTune']);
    expect(b[0].accuracies).toEqual(a[0].accuracies);
    expect(frozenOnly.loads()).toBe(1);
    expect(both.loads()).toBe(4); // the base once, a copy per fine-tuning
  });

  test('augment: one pool of steps x batchSize variants per seed, what every strategy learns from', async () => {
    const before = tf.memory().numTensors;
    const calls: string[] = [];
    // Mirrored left-right, the block at (0,0) sits at (0,4), where the test images of another class have theirs.
    const mirror = (x: tf.Tensor, s: number) => {
      calls.push(`${x.shape.join('x')} seed ${s}`);
      return tf.reverse(x, 2);
    };
    const run = (augment: typeof mirror | undefined, strategies: ('scratch' | 'fineTune')[]) =>
      compareTransfer({
        ...small,
        source: artifacts,
        scratch: () => tinyNet(3),
        shots: [5],
        seeds: [1, 2],
        steps: 30,
        batchSize: 8,
        strategies,
        augment,
      });
    const plain = await run(undefined, ['scratch', 'fineTune']);
    const mirrored = await run(mirror, ['scratch', 'fineTune']);
    expect(calls).toEqual(['240x8x8x1 seed 1', '240x8x8x1 seed 2']); // 30 steps of 8, the 15 images tiled
    expect(tf.memory().numTensors).toBe(before);
    for (const [i, r] of plain.entries()) {
      expect(r.strategy).toBe(mirrored[i].strategy);
      // Trained on the images: above 0.9; trained only on their mirror images: at most a third right.
      expect(r.mean).toBeGreaterThan(0.9);
      expect(mirrored[i].mean).toBeLessThan(0.4);
    }
  });

  test('schedule: cosine takes scratch and fine-tuning from their rates to ~0 over the steps; constant keeps them', async () => {
    const before = tf.memory().numTensors;
    // Every Adam that compareTransfer makes, and the rate each one had when its training ended.
    const made: tf.AdamOptimizer[] = [];
    const adam = tf.train.adam;
    const spy = vi.spyOn(tf.train, 'adam').mockImplementation((...args) => {
      const o = adam(...args);
      made.push(o);
      return o;
    });
    const run = async (schedule: 'constant' | 'cosine') => {
      made.length = 0;
      await compareTransfer({
        ...small,
        source: artifacts,
        scratch: () => tinyNet(3),
        shots: [5],
        seeds: [1],
        steps: 20,
        batchSize: 5,
        scratchRate: 0.01,
        fineTuneRate: 0.002,
        head: { epochs: 5, learningRate: 0.05 },
        schedule,
      });
      // In order: scratch, the frozen head, fine-tuning.
      return made.map((o) => (o as unknown as { learningRate: number }).learningRate);
    };
    try {
      expect(await run('constant')).toEqual([0.01, 0.05, 0.002]);
      const [scratch, head, fine] = await run('cosine');
      // 20 steps (15 images in 3 batches: 7 epochs, 21 steps): the last is lr * (1 + cos(pi * 20/21)) / 2.
      const last = (lr: number) => (lr * (1 + Math.cos((Math.PI * 20) / 21))) / 2;
      expect(scratch).toBeCloseTo(last(0.01), 8);
      expect(fine).toBeCloseTo(last(0.002), 8);
      expect(head).toBe(0.05); // the head on cached features keeps its own rate
    } finally {
      spy.mockRestore();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  test('bad input: typed errors naming the argument, nothing left behind', async () => {
    const before = tf.memory().numTensors;
    const run = (o: Partial<Parameters<typeof compareTransfer>[0]>) =>
      compareTransfer({ ...small, source: artifacts, strategies: ['frozen'], shots: [2], seeds: [1], ...o });
    await expect(run({ classes: 1 })).rejects.toThrow(/compareTransfer: classes/);
    await expect(run({ train: { x: pool.x, labels: pool.labels.subarray(1) } })).rejects.toThrow(
      /compareTransfer: train\.labels: expected one class id per image \(60\)/,
    );
    await expect(run({ test: { x: held.x, labels: Array.from(held.labels, (c) => c + 1) } })).rejects.toThrow(
      /compareTransfer: test\.labels: expected integer class ids 0\.\.2, got 3/,
    );
    await expect(run({ train: { x: pool.x, labels: Array.from(pool.labels, () => 0.5) } })).rejects.toThrow(InputError);
    await expect(run({ features: 'flatt' })).rejects.toThrow(/cutAt: layer.*flat/);
    await expect(run({ strategies: ['transfer' as never] })).rejects.toThrow(/compareTransfer: strategies\[0\]/);
    await expect(run({ strategies: ['scratch'] })).rejects.toThrow(/compareTransfer: scratch: expected a function/);
    await expect(run({ shots: [0] })).rejects.toThrow(/compareTransfer: shots\[0\]/);
    await expect(run({ seeds: [] })).rejects.toThrow(/compareTransfer: seeds/);
    await expect(run({ head: { epochs: 0 } })).rejects.toThrow(/compareTransfer: head\.epochs/);
    await expect(run({ augment: 1 as never })).rejects.toThrow(/compareTransfer: augment: expected a function/);
    await expect(run({ schedule: 'linear' as never })).rejects.toThrow(/compareTransfer: schedule: expected one of/);
    await expect(run({ augment: (x) => tf.slice(x, 0, 1) })).rejects.toThrow(
      /compareTransfer: augment: expected a function returning a tensor of the images' shape \[192,8,8,1\], got shape \[1,8,8,1\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
