/**
 * Segmentation quality, 2-D: U-Net on synthetic shape scenes, mean Dice over the 3 shape classes >= 0.90.
 * Minutes of training, so one backend by default: wasm, whose U-Net step measured ~2x faster than webgpu
 * (lavapipe) and ~14x faster than cpu on this 2-core machine. Progress goes to stderr once per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { unet } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import { diceScores, type Scenes, shapes2d } from './shapes.js';

export const backends = ['wasm'];

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
  lr = 0.01,
): Promise<{ dice: number[]; seconds: number }> {
  const { x, y } = tensors(train, rank);
  model.compile({ optimizer: tf.train.adam(lr), loss: 'categoricalCrossentropy' });
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
  const [n2, e2] = [480, 25];
  const train2 = shapes2d(n2, 32, 1);
  const test2 = shapes2d(100, 32, 2);
  const u = unet({ inputShape: [32, 32, 1], classes: 4, depth: 3, baseFilters: 16, batchNorm: true, bnMomentum: 0.9 });
  const r2 = await trainAndScore(u, train2, test2, 2, e2, 16, 0.003);
  const d2 = mean(r2.dice);
  rows.push({
    case: 'U-Net mean Dice, 2-D shape scenes (32x32, 3 shape classes)',
    value: Number(d2.toFixed(4)),
    unit: 'Dice',
    target: '>= 0.90',
    pass: d2 >= 0.9,
    note: `depth 3, base 16, BN (momentum 0.9); ${n2} train / 100 test scenes, ${e2} epochs Adam 0.003 on ${backend} (${r2.seconds.toFixed(0)} s); per class ${r2.dice.map((d) => d.toFixed(3)).join(', ')}`,
  });
  u.dispose();

  return rows;
}
