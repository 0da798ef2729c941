import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { fileSystem, InputError, initBackend, ModelFileError, saveCheckpoint, seed } from '../src/index.js';
import { failure } from './failingWrites.js';

// Lets a test make one file write fail, as a full disk or a crash would.
vi.mock('node:fs/promises', async (importOriginal) =>
  (await import('./failingWrites.js')).withFailingWrites(await importOriginal()),
);

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  root = await mkdtemp(join(tmpdir(), 'tiefe-fs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function build(units = 4): tfl.LayersModel {
  seed(7);
  const input = tfl.input({ shape: [3] });
  const h = tfl.layers.dense({ units, activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  const n = tfl.layers.batchNormalization().apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: 'softmax' }).apply(n) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

async function predict(model: tfl.LayersModel): Promise<number[]> {
  const x = tf.tensor2d([
    [0.1, -2, 3],
    [1, 0.5, -0.25],
  ]);
  const y = model.predict(x) as tf.Tensor;
  const v = Array.from(await y.data());
  tf.dispose([x, y]);
  return v;
}

describe('file:// save and load in Node (registered by importing @tiefe/core)', () => {
  test('round trip: same predictions; tfjs-node layout read back independently; no tensor left', async () => {
    const dir = join(root, 'plain');
    const model = build();
    const before = tf.memory().numTensors;
    const result = await model.save(`file://${dir}`);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((3 * 4 + 4 + 4 * 4 + 4 * 2 + 2) * 4);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);

    // The layout tfjs-node writes: model.json names ./weights.bin, which holds the weights in manifest order.
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.modelTopology.class_name).toBe('Model');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const bin = await readFile(join(dir, 'weights.bin'));
    const decoded = tf.io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      json.weightsManifest[0].weights,
    );
    for (const w of model.weights) {
      const saved = decoded[w.originalName];
      expect(saved, w.originalName).toBeDefined();
      expect(Array.from(await saved.data())).toEqual(Array.from(await w.read().data()));
    }
    tf.dispose(Object.values(decoded));

    const loaded = await tfl.loadLayersModel(`file://${join(dir, 'model.json')}`);
    expect(await predict(loaded)).toEqual(await predict(model));
    // A folder URL works too (its model.json), and so does the handler itself.
    const again = await tfl.loadLayersModel(`file://${dir}`);
    expect(await predict(again)).toEqual(await predict(model));
    const handled = await tfl.loadLayersModel(fileSystem(join(dir, 'model.json')));
    expect(await predict(handled)).toEqual(await predict(model));
    const live = tf.memory().numTensors;
    for (const m of [loaded, again, handled]) m.dispose();
    expect(tf.memory().numTensors).toBe(live - 3 * model.weights.length);
    expect(tf.io.getLoadHandlers(`file://${dir}/model.json`)).toHaveLength(1);
    expect(tf.io.getSaveHandlers(`file://${dir}`)).toHaveLength(1);
    model.dispose();
  });

  test('replacing a saved model (or a checkpoint) is atomic; a folder with other files is refused, untouched', async () => {
    const parent = join(root, 'replace');
    const dir = join(parent, 'model');
    const first = build(4);
    await first.save(`file://${dir}`);
    const second = build(6);
    await second.save(`file://${dir}`);
    expect(await readdir(parent)).toEqual(['model']);
    const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
    expect(await predict(loaded)).toEqual(await predict(second));
    loaded.dispose();
    // A checkpoint folder is a saved model too: both replace each other.
    await saveCheckpoint(dir, { model: second, epoch: 1 });
    await first.save(`file://${dir}`);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);

    const mine = join(parent, 'photos');
    await mkdir(join(mine, 'album'), { recursive: true });
    await writeFile(join(mine, 'cat.jpg'), 'meow');
    const refused = await first.save(`file://${mine}`).catch((e) => e);
    expect(refused).toBeInstanceOf(InputError);
    expect(refused.input).toBe('fileSystem: path');
    expect(refused.message).toMatch(/holds no saved model \((album, cat.jpg|cat.jpg, album)\)/);
    // A saved model with a stranger inside is refused as well.
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await expect(first.save(`file://${dir}`)).rejects.toThrow(/holds other files besides a saved model \(notes.txt\)/);
    await expect(saveCheckpoint(dir, { model: first, epoch: 2 })).rejects.toThrow(/saveCheckpoint: dir: expected/);
    await writeFile(join(parent, 'file'), 'x');
    await expect(first.save(`file://${join(parent, 'file')}`)).rejects.toThrow(/which is a file/);
    expect((await readdir(mine)).sort()).toEqual(['album', 'cat.jpg']);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect((await readdir(parent)).sort()).toEqual(['file', 'model', 'photos']);
    first.dispose();
    second.dispose();
  });

  test('a write failing mid-save leaves the previous model intact and no temporary folder', async () => {
    const parent = join(root, 'crash');
    const dir = join(parent, 'model');
    const good = build(4);
    await good.save(`file://${dir}`);
    const goodWeights = await readFile(join(dir, 'weights.bin'));
    const other = build(5);
    for (const file of ['weights.bin', 'model.json']) {
      failure.file = file;
      await expect(other.save(`file://${dir}`)).rejects.toThrow(/ENOSPC/);
      failure.file = undefined;
      expect(await readdir(parent)).toEqual(['model']);
      expect(Buffer.compare(await readFile(join(dir, 'weights.bin')), goodWeights)).toBe(0);
      const still = await tfl.loadLayersModel(`file://${dir}/model.json`);
      expect(await predict(still)).toEqual(await predict(good));
      still.dispose();
    }
    // A new folder whose first save fails is not created at all.
    failure.file = 'model.json';
    await expect(other.save(`file://${join(parent, 'fresh')}`)).rejects.toThrow(/ENOSPC/);
    failure.file = undefined;
    expect(await readdir(parent)).toEqual(['model']);
    good.dispose();
    other.dispose();
  });

  test('a crash between the two renames is finished by the next load; truncated weights are an error', async () => {
    const parent = join(root, 'swap');
    const dir = join(parent, 'model');
    const older = build(4);
    const newer = build(6);
    await older.save(`file://${dir}`);
    await new Promise((r) => setTimeout(r, 5));
    await newer.save(`file://${join(parent, 'staging')}`);
    // Right after rename(dir, old): the old one aside, the new complete one under its temporary name, and an
    // incomplete temporary folder of another, crashed writer.
    await rename(dir, `${dir}.old-aaaa`);
    await rename(join(parent, 'staging'), `${dir}.tmp-bbbb`);
    await mkdir(`${dir}.tmp-cccc`);
    await writeFile(`${dir}.tmp-cccc/weights.bin`, 'partial');
    const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
    expect(await predict(loaded)).toEqual(await predict(newer));
    expect((await readdir(parent)).sort()).toEqual(['model', 'model.old-aaaa', 'model.tmp-cccc']);
    loaded.dispose();

    const bin = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), bin.subarray(0, 10));
    const before = tf.memory().numTensors;
    const truncated = await tfl.loadLayersModel(`file://${dir}/model.json`).catch((e) => e);
    expect(truncated).toBeInstanceOf(ModelFileError);
    expect(truncated.file).toBe(join(dir, 'weights.bin'));
    expect(truncated.message).toMatch(/has 10 bytes, but .*model.json describes \d+ \(truncated or corrupt\)/);
    await expect(tfl.loadLayersModel(`file://${join(parent, 'none')}/model.json`)).rejects.toThrow(
      /model file .*none\/model.json: is missing/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(() => fileSystem('')).toThrow(/fileSystem: path: expected a folder path or a file:\/\/ URL, got ""/);
    older.dispose();
    newer.dispose();
  });
});
