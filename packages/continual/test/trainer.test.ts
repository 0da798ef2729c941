/** The training loop end to end on a tiny split-MNIST run: every strategy, no tensor left, typed errors. */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, initBackend, seed } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  agem,
  ContinualTrainer,
  continualMlp,
  cumulative,
  ewc,
  forgetting,
  generativeReplay,
  icarl,
  joint,
  lwf,
  mas,
  naive,
  type Plugin,
  replay,
  type Scenario,
  si,
  splitMnist,
} from '../src/index.js';
import { tinyExperience } from './helpers/tiny.js';

const MNIST = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));
let classIL: Scenario;
let taskIL: Scenario;
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  classIL = await splitMnist({ dir: MNIST, limit: 600, scenario: 'class' });
  taskIL = await splitMnist({ dir: MNIST, limit: 600, scenario: 'task' });
});
afterAll(() => {
  classIL.dispose();
  taskIL.dispose();
});

const strategies: Record<string, (s: Scenario) => Plugin[]> = {
  naive: () => [naive()],
  joint: (s) => [joint(s.train)],
  cumulative: () => [cumulative()],
  ewc: () => [ewc({ lambda: 100, samples: 8 })],
  'online ewc (true Fisher)': () => [ewc({ lambda: 100, samples: 8, mode: 'online', fisher: 'true', gamma: 0.9 })],
  si: () => [si()],
  lwf: () => [lwf()],
  mas: () => [mas({ samples: 8 })],
  replay: () => [replay({ bufferSize: 50 })],
  'replay balanced': () => [replay({ bufferSize: 50, buffer: 'classBalanced' })],
  agem: () => [agem({ patternsPerExperience: 10, sampleSize: 10 })],
  icarl: () => [icarl({ memorySize: 50 })],
  'generative replay': () => [generativeReplay({ hidden: [16], latentDim: 4, epochs: 1 })],
};

describe('ContinualTrainer', () => {
  test('naive fine-tuning on class-IL forgets (the classic pattern) and replay does not forget as much', async () => {
    const run = async (plugins: Plugin[]) => {
      seed(1);
      const model = continualMlp({ hidden: [32], outputs: 10 });
      const trainer = new ContinualTrainer({ model, plugins, epochs: 4, batchSize: 16, seed: 1 });
      const r = await trainer.run(classIL);
      trainer.dispose();
      model.dispose();
      return r;
    };
    const before = tf.memory().numTensors;
    const plain = await run([]);
    // After the last experience the model only predicts 8 and 9: every earlier experience is near 0.
    expect(plain.matrix).toHaveLength(5);
    expect(plain.initial).toHaveLength(5);
    for (let j = 0; j < 4; j++) expect(plain.matrix[4][j]).toBeLessThan(0.1);
    expect(plain.matrix[4][4]).toBeGreaterThan(0.6);
    expect(forgetting(plain)).toBeGreaterThan(0.8);
    const replayed = await run([replay({ bufferSize: 100 })]);
    expect(forgetting(replayed)).toBeLessThan(forgetting(plain) - 0.2);
    seed(undefined);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('every strategy runs a class-IL stream (the head-aware ones a task-IL one too) and leaves no tensor behind (accuracy: the unit tests and the bench)', async () => {
    for (const [name, make] of Object.entries(strategies)) {
      // Multi-head paths differ only where a strategy reads heads or task ids.
      const multiHead = ['joint', 'lwf', 'replay balanced', 'agem', 'icarl', 'generative replay'].includes(name);
      for (const s of multiHead ? [classIL, taskIL] : [classIL]) {
        seed(2);
        const model = continualMlp({ hidden: [16], outputs: s.outputs, heads: s.heads });
        const before = tf.memory().numTensors;
        const trainer = new ContinualTrainer({ model, plugins: make(s), epochs: 1, batchSize: 32, seed: 2 });
        const r = await trainer.run(s);
        trainer.dispose();
        expect(tf.memory().numTensors, `${name} on ${s.kind}-IL`).toBe(before);
        expect(r.matrix.flat().every((v) => v >= 0 && v <= 1)).toBe(true);
        model.dispose();
      }
    }
    seed(undefined);
  });

  test('a task id outside the heads, targets outside the outputs and bad options are typed errors', async () => {
    const model = continualMlp({ inputSize: 3, hidden: [], outputs: 2, heads: 2 });
    const trainer = new ContinualTrainer({ model });
    const e = { ...tinyExperience(), taskId: 2 };
    await expect(trainer.train(e)).rejects.toThrow(
      /ContinualTrainer.train: experience.taskId: expected a task id below the model's 2 heads, got 2/,
    );
    await expect(trainer.eval([e])).rejects.toThrow(InputError);
    const single = new ContinualTrainer({ model: continualMlp({ inputSize: 3, hidden: [], outputs: 2 }) });
    await expect(single.train({ ...e, taskId: 1 })).rejects.toThrow(/task id 0 for a single-head model/);
    const bad = { ...tinyExperience(), y: tf.tensor1d([0, 1, 2, 0]) };
    await expect(single.train(bad)).rejects.toThrow(/experience.y: expected whole targets in \[0, 2\)/);
    expect(() => new ContinualTrainer({ model, epochs: 0 })).toThrow(/ContinualTrainer: epochs/);
    expect(() => new ContinualTrainer({ model, plugins: [{} as Plugin] })).toThrow(/ContinualTrainer: plugins/);
    expect(() => ewc({ lambda: -1 })).toThrow(/ewc: lambda/);
    expect(() => ewc({ mode: 'sometimes' as 'online' })).toThrow(/ewc: mode/);
    tf.dispose([e.x, e.y, bad.x, bad.y]);
    model.dispose();
    single.model.dispose();
  });

  test('a multi-head continualMlp saves and reloads with tf.loadLayersModel (same outputs)', async () => {
    const model = continualMlp({ inputSize: 4, hidden: [5], outputs: 2, heads: 3 });
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const back = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const x = tf.randomNormal([2, 4]);
    const a = model.predict(x) as tf.Tensor[];
    const b = back.predict(x) as tf.Tensor[];
    expect(b).toHaveLength(3);
    for (let h = 0; h < 3; h++) expect([...(await b[h].data())]).toEqual([...(await a[h].data())]);
    tf.dispose([x, ...a, ...b]);
    model.dispose();
    back.dispose();
  });
});
