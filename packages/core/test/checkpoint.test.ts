import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  CheckpointError,
  checkpointCallback,
  hasCheckpoint,
  initBackend,
  loadCheckpoint,
  saveCheckpoint,
  seed,
} from '../src/index.js';
import { failure } from './failingWrites.js';

// Lets a test make one file write fail, as a full disk or a crash would.
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('./failingWrites.js')).withFailingWrites(await importOriginal()),
);

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  root = await mkdtemp(join(tmpdir(), 'tiefe-ckpt-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function data() {
  return tf.tidy(() => {
    const x = tf.tensor2d(Array.from({ length: 32 }, (_, i) => [Math.sin(i), Math.cos(1.3 * i), (i % 5) / 5]));
    const y = tf.tensor2d(Array.from({ length: 32 }, (_, i) => [Math.sin(i) * 2 - (i % 5) / 5]));
    return { x, y };
  });
}

function build(): tfl.LayersModel {
  seed(42);
  const input = tfl.input({ shape: [3] });
  const h = tfl.layers.dense({ units: 8, activation: 'tanh' }).apply(input) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 1 }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  return model;
}

const fitArgs = { batchSize: 8, shuffle: false, verbose: 0 as const };

async function weightsOf(model: tfl.LayersModel): Promise<number[]> {
  const all = await Promise.all(model.getWeights().map((w) => w.data()));
  return all.flatMap((a) => Array.from(a));
}

describe('saveCheckpoint / loadCheckpoint', () => {
  test('resuming from a checkpoint gives bit-identical weights; Adam state is what makes it so', async () => {
    const { x, y } = data();
    const dir = join(root, 'resume', 'ckpt');
    const model = build();
    await model.fit(x, y, { ...fitArgs, epochs: 2 });
    const before = tf.memory().numTensors;
    const info = await saveCheckpoint(dir, { model, epoch: 2, extra: { note: 'two epochs', lr: 0.01 } });
    expect(tf.memory().numTensors).toBe(before);
    expect(info.files['weights.bin']).toBe((3 * 8 + 8 + 8 + 1) * 4);
    expect((await readdir(dir)).sort()).toEqual([
      'checkpoint.json',
      'model.json',
      'optimizer.bin',
      'optimizer.json',
      'weights.bin',
    ]);
    const optimizerJson = JSON.parse(await readFile(join(dir, 'optimizer.json'), 'utf8'));
    expect(optimizerJson.className).toBe('Adam');
    expect(optimizerJson.config.learningRate).toBe(0.01);
    // iterations + first and second moments of the 4 weights.
    expect(optimizerJson.weightsManifest[0].weights.map((w: { name: string }) => w.name)[0]).toBe('iter');
    expect(optimizerJson.weightsManifest[0].weights).toHaveLength(9);

    await model.fit(x, y, { ...fitArgs, epochs: 1 });
    const a = await weightsOf(model);

    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.epoch).toBe(2);
    expect(ckpt.extra).toEqual({ note: 'two epochs', lr: 0.01 });
    expect(ckpt.optimizer?.getClassName()).toBe('Adam');
    expect(ckpt.model.optimizer).toBe(ckpt.optimizer);
    expect((ckpt.optimizer as unknown as { iterations: number }).iterations).toBe(8);
    await ckpt.model.fit(x, y, { ...fitArgs, epochs: 3, initialEpoch: ckpt.epoch });
    const b = await weightsOf(ckpt.model);
    expect(b).toEqual(a);

    // Control: same weights, fresh Adam (no moments, step 1 bias correction) -> a different result.
    const fresh = await loadCheckpoint(dir);
    fresh.model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    fresh.optimizer?.dispose();
    await fresh.model.fit(x, y, { ...fitArgs, epochs: 1 });
    const c = await weightsOf(fresh.model);
    const diff = Math.max(...c.map((v, i) => Math.abs(v - a[i])));
    expect(diff).toBeGreaterThan(1e-3);
    console.log(
      `max |weights(resumed without Adam state) - weights(uninterrupted)| = ${diff.toExponential(2)}; with state: 0`,
    );

    const live = tf.memory().numTensors;
    const modelTensors = ckpt.model.getWeights().length;
    ckpt.model.dispose(); // also frees its (owned) restored optimizer
    expect(tf.memory().numTensors).toBeLessThanOrEqual(live - modelTensors - 8);
    const m2 = fresh.model.optimizer;
    fresh.model.dispose();
    m2.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  test('a failing write leaves the previous checkpoint intact and no temporary folder behind', async () => {
    const { x, y } = data();
    const parent = join(root, 'crash');
    const dir = join(parent, 'ckpt');
    const model = build();
    await model.fit(x, y, { ...fitArgs, epochs: 1 });
    await saveCheckpoint(dir, { model, epoch: 1 });
    const good = await readFile(join(dir, 'weights.bin'));
    await model.fit(x, y, { ...fitArgs, epochs: 1 });
    const before = tf.memory().numTensors;
    for (const file of ['weights.bin', 'optimizer.bin', 'checkpoint.json']) {
      failure.file = file;
      await expect(saveCheckpoint(dir, { model, epoch: 2 })).rejects.toThrow(/ENOSPC/);
      failure.file = undefined;
      expect(await readdir(parent)).toEqual(['ckpt']);
      expect(Buffer.compare(await readFile(join(dir, 'weights.bin')), good)).toBe(0);
      const still = await loadCheckpoint(dir);
      expect(still.epoch).toBe(1);
      still.model.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    // A successful save replaces it, and nothing else is left in the parent folder.
    await saveCheckpoint(dir, { model, epoch: 2 });
    expect(await readdir(parent)).toEqual(['ckpt']);
    expect(Buffer.compare(await readFile(join(dir, 'weights.bin')), good)).not.toBe(0);
    const replaced = await loadCheckpoint(dir);
    expect(replaced.epoch).toBe(2);
    replaced.model.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  test('a crash between the two renames is finished by the next load (newest complete copy wins)', async () => {
    const { x, y } = data();
    const parent = join(root, 'swap');
    const dir = join(parent, 'ckpt');
    const model = build();
    await saveCheckpoint(dir, { model, epoch: 6 });
    await new Promise((r) => setTimeout(r, 5)); // createdAt has millisecond resolution
    await saveCheckpoint(join(parent, 'staging'), { model, epoch: 7 });
    // State right after `rename(dir, old)`: the old one aside, the new complete one still under its tmp name,
    // plus an incomplete tmp folder of some other, crashed writer.
    await rename(dir, `${dir}.old-aaaa`);
    await rename(join(parent, 'staging'), `${dir}.tmp-bbbb`);
    await mkdir(`${dir}.tmp-cccc`);
    await writeFile(`${dir}.tmp-cccc/model.json`, '{');
    expect(await hasCheckpoint(dir)).toBe(true);
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.epoch).toBe(7);
    expect((await readdir(parent)).sort()).toEqual(['ckpt', 'ckpt.old-aaaa', 'ckpt.tmp-cccc']);
    ckpt.model.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  test('missing, truncated and corrupt files raise CheckpointError naming the file', async () => {
    const { x, y } = data();
    const model = build();
    await model.fit(x, y, { ...fitArgs, epochs: 1 });
    const dir = join(root, 'corrupt');
    expect(await hasCheckpoint(dir)).toBe(false);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      new RegExp(`checkpoint file ${join(dir, 'checkpoint.json')}: is missing`),
    );
    await saveCheckpoint(dir, { model, epoch: 1 });
    expect(await hasCheckpoint(dir)).toBe(true);
    // Without its SHA-256 list (as checkpoints before hashes were added), so that the structural checks below
    // are reached; checkpointSafety.test.ts tests the hashes.
    const meta = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8'));
    delete meta.sha256;
    await writeFile(join(dir, 'checkpoint.json'), JSON.stringify(meta));
    const before = tf.memory().numTensors;

    const weights = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), weights.subarray(0, 20));
    const truncated = await loadCheckpoint(dir).catch((e) => e);
    expect(truncated).toBeInstanceOf(CheckpointError);
    expect(truncated.file).toBe(join(dir, 'weights.bin'));
    expect(truncated.message).toMatch(/has 20 bytes, but .*model.json describes 164/);
    await writeFile(join(dir, 'weights.bin'), weights);

    const optimizerJson = await readFile(join(dir, 'optimizer.json'), 'utf8');
    await writeFile(join(dir, 'optimizer.json'), optimizerJson.slice(0, 30));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/optimizer.json: is not valid JSON/);
    await writeFile(join(dir, 'optimizer.json'), optimizerJson.replace('"Adam"', '"Adamax2"'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/optimizer.json: names an unknown optimizer class "Adamax2"/);
    await writeFile(join(dir, 'optimizer.json'), optimizerJson);

    await rm(join(dir, 'optimizer.bin'));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/optimizer.bin: is missing/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([x, y]);
  });

  test('a custom loss function: no training config, so loadCheckpoint compiles with `compile`', async () => {
    const { x, y } = data();
    const dir = join(root, 'custom-loss');
    const loss = (yt: tf.Tensor, yp: tf.Tensor) => tf.mean(tf.abs(tf.sub(yt, yp)));
    const model = build();
    const first = model.optimizer;
    model.compile({ optimizer: tf.train.adam(0.01), loss });
    first.dispose();
    await model.fit(x, y, { ...fitArgs, epochs: 1 });
    await saveCheckpoint(dir, { model, epoch: 1 });
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(modelJson.trainingConfig).toBeUndefined();
    await model.fit(x, y, { ...fitArgs, epochs: 1 });
    const a = await weightsOf(model);
    const bare = await loadCheckpoint(dir);
    expect(bare.optimizer?.getClassName()).toBe('Adam');
    expect(bare.model.optimizer).toBeUndefined();
    bare.model.dispose();
    bare.optimizer?.dispose();
    const ckpt = await loadCheckpoint(dir, { compile: { loss } });
    await ckpt.model.fit(x, y, { ...fitArgs, epochs: 2, initialEpoch: 1 });
    expect(await weightsOf(ckpt.model)).toEqual(a);
    ckpt.model.dispose();
    model.optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  test('checkpointCallback saves every N epochs with epoch = epochs completed', async () => {
    const { x, y } = data();
    const dir = join(root, 'callback');
    const model = build();
    const seen: number[] = [];
    await model.fit(x, y, { ...fitArgs, epochs: 1 }); // creates Adam's moments before counting
    const before = tf.memory().numTensors;
    await model.fit(x, y, {
      ...fitArgs,
      epochs: 5,
      callbacks: [
        checkpointCallback({
          dir,
          every: 2,
          extra: (epoch, logs) => {
            seen.push(epoch);
            return { loss: logs.loss };
          },
        }),
      ],
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual([1, 3]);
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt.epoch).toBe(4);
    expect(typeof (ckpt.extra as { loss: number }).loss).toBe('number');
    ckpt.model.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
