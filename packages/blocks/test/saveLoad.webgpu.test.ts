import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BUILDERS, batchFor, compileForTest, train } from './saveLoadCases.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tiefe-blocks-save-gpu-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Loads the saved model, trains 3 full-batch steps on the current backend, returns the losses. */
async function trainLoaded(name: string, input: number[]): Promise<number[]> {
  const before = tf.memory().numTensors;
  const model = await tfl.loadLayersModel(`file://${join(dir, name)}/model.json`);
  const { x, y } = batchFor(model, input);
  compileForTest(model);
  const losses = await train(model, x, y, 3);
  const optimizer = model.optimizer;
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  expect(tf.memory().numTensors).toBe(before);
  return losses;
}

test('unet and unet3d loaded from disk train on webgpu with no extra call, with the losses of cpu', async () => {
  const cases = BUILDERS.filter((c) => c.name === 'unet' || c.name === 'unet3d');
  await initBackend({ prefer: ['cpu'] });
  const cpu: number[][] = [];
  for (const c of cases) {
    const model = c.build();
    await model.save(`file://${join(dir, c.name)}`);
    model.dispose();
    cpu.push(await trainLoaded(c.name, c.input));
  }
  expect((await initBackend({ prefer: ['webgpu'] })).name).toBe('webgpu');
  for (const [i, c] of cases.entries()) {
    const losses = await trainLoaded(c.name, c.input);
    expect(losses.every(Number.isFinite), `${c.name}: ${losses}`).toBe(true);
    expect(losses[2]).toBeLessThan(losses[0]);
    for (let k = 0; k < 3; k++) {
      expect(
        Math.abs(losses[k] - cpu[i][k]),
        `${c.name} step ${k}: webgpu ${losses[k]}, cpu ${cpu[i][k]}`,
      ).toBeLessThan(1e-4 + 1e-3 * cpu[i][k]);
    }
  }
});
