import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { smallCnn } from '../src/index.js';
import { BUILDERS, batchFor, compileForTest, train } from './saveLoadCases.js';

// The plain tfjs idiom, with no Tiefe call: importing @tiefe/core registered the file:// routers.
let dir: string;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  dir = await mkdtemp(join(tmpdir(), 'tiefe-blocks-save-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const url = (name: string) => `file://${join(dir, name)}`;

describe("model.save('file://...') and tf.loadLayersModel('file://.../model.json') in Node", () => {
  for (const c of BUILDERS) {
    test(`${c.name}: trained, saved, reloaded: identical predictions and weights`, async () => {
      const before = tf.memory().numTensors;
      const model = c.build();
      const { x, y } = batchFor(model, c.input);
      // One training step first, so that weights and batch-norm moving statistics differ from any init.
      compileForTest(model);
      await train(model, x, y, 1);
      await model.save(url(c.name));
      expect((await readdir(join(dir, c.name))).sort()).toEqual(['model.json', 'weights.bin']);
      const loaded = await tfl.loadLayersModel(`${url(c.name)}/model.json`);
      const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
      expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
      expect(loaded.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
      for (let i = 0; i < model.weights.length; i++) {
        expect(Array.from(await loaded.weights[i].read().data())).toEqual(
          Array.from(await model.weights[i].read().data()),
        );
      }
      const optimizer = model.optimizer;
      tf.dispose([x, y, a, b]);
      model.dispose();
      optimizer.dispose();
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('a model loaded from disk trains on wasm with no extra call', () => {
  test('smallCnn and unet3d: loss falls over 3 steps, as on cpu', async () => {
    // No dropout here: its random masks would differ between the backends.
    const cases = [
      {
        name: 'smallCnn',
        build: () => smallCnn({ inputShape: [12, 12, 1], filters: [4, 8], dense: 8, dropout: 0 }),
        input: [12, 12, 1],
      },
      ...BUILDERS.filter((c) => c.name === 'unet3d'),
    ];
    const cpuLosses: number[][] = [];
    for (const c of cases) {
      const model = c.build();
      await model.save(url(`${c.name}-wasm`));
      const reloaded = await tfl.loadLayersModel(`${url(`${c.name}-wasm`)}/model.json`);
      const { x, y } = batchFor(reloaded, c.input);
      compileForTest(reloaded);
      cpuLosses.push(await train(reloaded, x, y, 3));
      const optimizer = reloaded.optimizer;
      tf.dispose([x, y]);
      for (const m of [model, reloaded]) m.dispose();
      optimizer.dispose();
    }
    expect((await initBackend({ prefer: ['wasm'] })).name).toBe('wasm');
    for (const [i, c] of cases.entries()) {
      const before = tf.memory().numTensors;
      const model = await tfl.loadLayersModel(`${url(`${c.name}-wasm`)}/model.json`);
      const { x, y } = batchFor(model, c.input);
      compileForTest(model);
      const losses = await train(model, x, y, 3);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(losses[2]).toBeLessThan(losses[0]);
      // Same start, same data, same optimizer: the same losses as on cpu, up to float32 summation order.
      for (let k = 0; k < 3; k++)
        expect(Math.abs(losses[k] - cpuLosses[i][k])).toBeLessThan(1e-4 + 1e-3 * cpuLosses[i][k]);
      const optimizer = model.optimizer;
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
