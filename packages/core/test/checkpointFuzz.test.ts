/**
 * Seeded fuzzing of checkpoint loading: 150 mutations (bit flips, random bytes, truncation, appended bytes) of
 * one file of a saved checkpoint each. Every load must give the saved model (identical weights and epoch), or
 * a typed error (CheckpointError, a TiefeError), never an untyped crash or leaked tensors; since every file but
 * checkpoint.json is covered by its SHA-256, only a mutated checkpoint.json may load as something else (its
 * epoch or extra). The counts are printed.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createRng, initBackend, loadCheckpoint, saveCheckpoint, seed, TiefeError } from '../src/index.js';

let root: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  root = await mkdtemp(join(tmpdir(), 'tiefe-ckpt-fuzz-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const FILES = ['model.json', 'weights.bin', 'optimizer.json', 'optimizer.bin', 'checkpoint.json'];

describe('fuzz: 150 mutated checkpoint files', () => {
  test('every load is the saved model or a typed error; hashed files never load altered', async () => {
    seed(1);
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2 })] });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.ones([4, 3]);
    const y = tf.zeros([4, 2]);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    tf.dispose([x, y]);
    const dir = join(root, 'ckpt');
    await saveCheckpoint(dir, { model, epoch: 3 });
    const want = JSON.stringify(model.getWeights().map((w) => Array.from(w.dataSync())));
    const originals = Object.fromEntries(await Promise.all(FILES.map(async (f) => [f, await readFile(join(dir, f))])));
    const rng = createRng(7);
    const int = (n: number) => Math.floor(rng.next() * n);
    const counts: Record<string, number> = { identical: 0, 'altered (checkpoint.json)': 0, 'typed error': 0 };
    const before = tf.memory().numTensors;
    for (let i = 0; i < 150; i++) {
      const name = FILES[int(FILES.length)];
      const orig = originals[name] as Buffer;
      let bytes = Buffer.from(orig);
      const at = int(bytes.length);
      const op = int(4);
      if (op === 0) bytes[at] ^= 1 << int(8);
      else if (op === 1) bytes[at] = int(256);
      else if (op === 2) bytes = bytes.subarray(0, at);
      else bytes = Buffer.concat([bytes, Buffer.from([int(256), int(256)])]);
      await writeFile(join(dir, name), bytes);
      try {
        const ckpt = await loadCheckpoint(dir);
        const got = JSON.stringify(ckpt.model.getWeights().map((w) => Array.from(w.dataSync())));
        const same = got === want && ckpt.epoch === 3;
        ckpt.model.dispose();
        if (same) counts.identical++;
        else {
          expect(name).toBe('checkpoint.json');
          counts['altered (checkpoint.json)']++;
        }
      } catch (e) {
        if (!(e instanceof TiefeError))
          throw new Error(`case ${i} (${name}, op ${op}): untyped ${(e as Error).message}`);
        counts['typed error']++;
      }
      await writeFile(join(dir, name), orig);
    }
    console.log(
      `fuzz checkpoint: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});
