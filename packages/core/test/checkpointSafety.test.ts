import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CheckpointError,
  InputError,
  initBackend,
  loadCheckpoint,
  ModelFileError,
  saveCheckpoint,
  seed,
} from '../src/index.js';

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  root = await mkdtemp(join(tmpdir(), 'tiefe-ckpt-safety-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A small Sequential model trained one step with Adam (so the optimizer has moments to save). */
async function trained(): Promise<tfl.Sequential> {
  seed(3);
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), tfl.layers.dense({ units: 1 })],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  const x = tf.ones([4, 3]);
  const y = tf.ones([4, 1]);
  await model.fit(x, y, { epochs: 1, verbose: 0 });
  tf.dispose([x, y]);
  return model;
}

describe('checkpoints are safe against the user folder and hostile files', () => {
  test('never replaces a file or a folder of the user (nothing deleted)', async () => {
    const model = await trained();
    const file = join(root, 'notes.txt');
    await writeFile(file, 'my notes');
    await expect(saveCheckpoint(file, { model, epoch: 1 })).rejects.toThrow(InputError);
    expect(await readFile(file, 'utf8')).toBe('my notes');
    const folder = join(root, 'mine');
    await mkdir(folder);
    await writeFile(join(folder, 'thesis.tex'), 'x');
    await expect(saveCheckpoint(folder, { model, epoch: 1 })).rejects.toThrow(/saveCheckpoint: dir: expected/);
    expect(await readdir(folder)).toEqual(['thesis.tex']);
    // nor a folder whose model.json claims the user's file as a weight file
    await writeFile(
      join(folder, 'model.json'),
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['thesis.tex'], weights: [] }] }),
    );
    await expect(saveCheckpoint(folder, { model, epoch: 1 })).rejects.toThrow(InputError);
    expect((await readdir(folder)).sort()).toEqual(['model.json', 'thesis.tex']);
    model.dispose();
  });

  test('loading a Sequential checkpoint with Adam state leaks no tensor', async () => {
    const model = await trained();
    const dir = join(root, 'seq');
    await saveCheckpoint(dir, { model, epoch: 1 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const ckpt = await loadCheckpoint(dir);
      ckpt.model.dispose();
      if (ckpt.optimizer && ckpt.model.optimizer !== ckpt.optimizer) ckpt.optimizer.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('a flipped byte in a same-size weights.bin or optimizer.bin is refused (SHA-256)', async () => {
    const model = await trained();
    const dir = join(root, 'flip');
    await saveCheckpoint(dir, { model, epoch: 1 });
    for (const name of ['weights.bin', 'optimizer.bin']) {
      const good = await readFile(join(dir, name));
      const bad = Buffer.from(good);
      bad[bad.length - 3] ^= 0x40;
      await writeFile(join(dir, name), bad);
      const before = tf.memory().numTensors;
      const err = await loadCheckpoint(dir).catch((e) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect(err.file).toBe(join(dir, name));
      expect(err.message).toMatch(/SHA-256/);
      expect(tf.memory().numTensors).toBe(before);
      await writeFile(join(dir, name), good);
    }
    const ok = await loadCheckpoint(dir);
    ok.model.dispose();
    model.dispose();
  });

  test('a weightsManifest path leaving the folder is refused, not read', async () => {
    const model = await trained();
    const dir = join(root, 'escape', 'ckpt');
    await saveCheckpoint(dir, { model, epoch: 1 });
    const outside = join(root, 'escape', 'secret.bin');
    await writeFile(outside, await readFile(join(dir, 'weights.bin')));
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../secret.bin'];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    const err = await tfl.loadLayersModel(`file://${join(dir, 'model.json')}`).catch((e) => e);
    expect(err).toBeInstanceOf(ModelFileError);
    expect(err.message).toMatch(/names a weight file outside its folder: \.\.\/secret\.bin/);
    json.weightsManifest[0].paths = [outside];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    // the edited model.json fails its SHA-256 first; without the hash list the manifest check still refuses
    await expect(loadCheckpoint(dir)).rejects.toThrow(/model\.json: has SHA-256/);
    const meta = JSON.parse(await readFile(join(dir, 'checkpoint.json'), 'utf8'));
    delete meta.sha256;
    await writeFile(join(dir, 'checkpoint.json'), JSON.stringify(meta));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/names a weight file outside its folder/);
    model.dispose();
  });

  test('stale temporary folders of crashed saves are removed by the next save', async () => {
    const model = await trained();
    const parent = join(root, 'stale');
    const dir = join(parent, 'ckpt');
    await saveCheckpoint(dir, { model, epoch: 1 });
    // what a process killed mid-save leaves: a temporary folder, hours old
    const stale = `${dir}.tmp-0badf00d`;
    await mkdir(stale);
    await writeFile(join(stale, 'weights.bin'), new Uint8Array(1000));
    const old = new Date(Date.now() - 3 * 3600_000);
    await utimes(stale, old, old);
    // a fresh one may belong to a save running right now in another process: kept
    const fresh = `${dir}.tmp-1234abcd`;
    await mkdir(fresh);
    await saveCheckpoint(dir, { model, epoch: 2 });
    expect((await readdir(parent)).sort()).toEqual(['ckpt', 'ckpt.tmp-1234abcd']);
    model.dispose();
  });
});
