/**
 * Segmentation quality, 3-D: a 3-D U-Net on synthetic volumes (balls and cubes), mean Dice over the 2 shape
 * classes >= 0.80. Minutes of training, so webgpu only by default (the 3-D kernels and Tiefe's 3-D gradients are
 * tested there; a step is ~6x faster than on the cpu backend here). Progress goes to stderr once per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { unet3d } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import { diceScores, type Scenes, shapes3d } from './shapes.js';

export const backends = ['webgpu'];

interface Row {
  case: string;
  value: number;
  unit: string;
  target?: string;
  pass?: boolean;
  note?: string;
}

function tensors(s: Scenes, rank: 2 | 3): { x: tf.Tensor; y: tf.Tensor } {
  const spatial = new Array(rank).fill(s.size);
  return tf.tidy(() => ({
    x: tf.tensor(s.images, [s.count, ...spatial, 1]),
    y: tf.reshape(tf.oneHot(tf.tensor1d(s.labels, 'int32'), s.classes), [s.count, ...spatial, s.classes]),
  }));
}

async function trainAndScore(
  model: tfl.LayersModel,
  train: Scenes,
  test: Scenes,
  rank: 2 | 3,
  epochs: number,
  batchSize: number,
): Promise<{ dice: number[]; seconds: number }> {
  const { x, y } = tensors(train, rank);
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  const t0 = performance.now();
  await model.fit(x, y, {
    epochs,
    batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        process.stderr.write(
          `${model.name} epoch ${epoch + 1}/${epochs}: loss ${logs?.loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
        );
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([x, y]);
  const { x: xt } = tensors(test, rank);
  const pred = tf.tidy(() => tf.argMax(model.predict(xt, { batchSize: 16 }) as tf.Tensor, -1));
  const labels = new Int32Array(await pred.data());
  tf.dispose([xt, pred]);
  return { dice: diceScores(labels, test.labels, test.classes), seconds };
}

export default async function run(backend: string): Promise<Row[]> {
  seed(1);
  const rows: Row[] = [];
  const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
  const [n3, e3] = [64, 20];
  const train3 = shapes3d(n3, 16, 3);
  const test3 = shapes3d(24, 16, 4);
  const u3 = unet3d({ inputShape: [16, 16, 16, 1], classes: 3, depth: 2, baseFilters: 8, bnMomentum: 0.9 });
  const r3 = await trainAndScore(u3, train3, test3, 3, e3, 4);
  const d3 = mean(r3.dice);
  rows.push({
    case: '3-D U-Net mean Dice, 3-D shape volumes (16^3, ball and cube)',
    value: Number(d3.toFixed(4)),
    unit: 'Dice',
    target: '>= 0.80',
    pass: d3 >= 0.8,
    note: `depth 2, base 8, BN (momentum 0.9); ${n3} train / 24 test volumes, ${e3} epochs Adam 0.01 on ${backend} (${r3.seconds.toFixed(0)} s); per class ${r3.dice.map((d) => d.toFixed(3)).join(', ')}`,
  });
  u3.dispose();
  return rows;
}
