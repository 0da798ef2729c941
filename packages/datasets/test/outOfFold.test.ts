import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, kFold } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { outOfFoldProbabilities } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** A model whose output depends only on its fold: softmax of a bias set to the fold's own values. */
function foldModel(fold: number): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ inputShape: [2], units: 3, activation: 'softmax', kernelInitializer: 'zeros' })],
  });
  const weights = [tf.zeros([2, 3]), tf.tensor1d([fold, 0, -fold])];
  model.layers[0].setWeights(weights); // copies the values
  tf.dispose(weights);
  model.compile({ optimizer: tf.train.sgd(0), loss: 'sparseCategoricalCrossentropy' });
  return model;
}

describe('outOfFoldProbabilities', () => {
  it("puts every sample's row from the model of the fold that held it out; no tensor left", async () => {
    const x = tf.zeros([9, 2]);
    const y = tf.tensor1d([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const before = tf.memory().numTensors;
    const splitter = kFold({ k: 3, shuffle: true, seed: 5 });
    const { probabilities, cv } = await outOfFoldProbabilities({
      createModel: foldModel,
      x,
      y,
      splitter,
      fitArgs: { epochs: 1 },
    });
    const rows = (await probabilities.array()) as number[][];
    probabilities.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The expected row of fold f: softmax([f, 0, -f]); the folds are those of the same splitter.
    kFold({ k: 3, shuffle: true, seed: 5 })
      .split(9)
      .forEach(({ test }, f) => {
        const e = [Math.exp(f), 1, Math.exp(-f)];
        const s = e[0] + e[1] + e[2];
        for (const i of test) {
          rows[i].forEach((v, c) => {
            expect(v).toBeCloseTo(e[c] / s, 5);
          });
        }
        // Fold 0 predicts uniformly (argmax 0: class 0 right once), folds 1 and 2 predict class 0.
        expect(cv.scores[f]).toBeCloseTo(test.filter((i) => i < 3).length / 3, 12);
      });
    tf.dispose([x, y]);
  });

  it('refuses folds that leave samples without a prediction', async () => {
    const x = tf.zeros([6, 2]);
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2]);
    const splitter = { split: () => [{ train: [0, 1, 2], test: [3, 4] }] };
    await expect(outOfFoldProbabilities({ createModel: foldModel, x, y, splitter })).rejects.toThrow(
      /outOfFoldProbabilities: splitter: expected folds whose test parts cover every sample, got sample 0/,
    );
    tf.dispose([x, y]);
  });
});
