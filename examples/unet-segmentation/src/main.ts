/**
 * U-Net segmentation of synthetic shape scenes with @tiefe/blocks: 32x32 images with discs, squares and
 * triangles on a noisy background; the U-Net labels every pixel (background, disc, square, triangle). Writes
 * out/curves.png (training loss and validation mean Dice per epoch) and out/masks.png (rows of 8 validation
 * scenes: image, true mask, predicted mask).
 *
 * Run: node --import tsx --import @tiefe/core/register examples/unet-segmentation/src/main.ts
 * Env: TRAIN (scenes, default 320), EPOCHS (default 12), TIEFE_BACKEND (e.g. cpu, webgpu).
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { unet } from '@tiefe/blocks';
import { initBackend, seed } from '@tiefe/core';
import { Canvas, lineChart, type Rgb } from './png.js';
import { diceScores, type Scenes, shapes2d } from './shapes.js';

const OUT = fileURLToPath(new URL('../out/', import.meta.url));
const SIZE = 32;
const COLORS: Rgb[] = [
  [0, 0, 0],
  [230, 80, 60],
  [70, 170, 90],
  [70, 120, 230],
];

function toTensors(s: Scenes): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => ({
    x: tf.tensor4d(s.images, [s.count, s.size, s.size, 1]),
    y: tf.reshape(tf.oneHot(tf.tensor1d(s.labels, 'int32'), s.classes), [
      s.count,
      s.size,
      s.size,
      s.classes,
    ]) as tf.Tensor4D,
  }));
}

async function predictLabels(model: tfl.LayersModel, x: tf.Tensor): Promise<Int32Array> {
  const pred = tf.tidy(() => tf.argMax(model.predict(x) as tf.Tensor, -1));
  const out = new Int32Array(await pred.data());
  pred.dispose();
  return out;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  seed(5);
  const trainN = Number(process.env.TRAIN ?? 320);
  const epochs = Number(process.env.EPOCHS ?? 12);
  const train = shapes2d(trainN, SIZE, 1);
  const val = shapes2d(100, SIZE, 2);
  const { x, y } = toTensors(train);
  const { x: xVal } = toTensors(val);

  // Batch-norm momentum 0.9: in a short training the moving statistics must catch up with the batches.
  const model = unet({
    inputShape: [SIZE, SIZE, 1],
    classes: 4,
    depth: 3,
    baseFilters: 16,
    batchNorm: true,
    bnMomentum: 0.9,
  });
  console.log(
    `backend ${backend.name}; U-Net with ${model.countParams()} parameters; ${trainN} scenes, ${epochs} epochs`,
  );
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'categoricalCrossentropy' });
  const losses: number[] = [];
  const dice: number[] = [];
  await model.fit(x, y, {
    epochs,
    batchSize: 16,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        const perClass = diceScores(await predictLabels(model, xVal), val.labels, val.classes);
        const mean = perClass.reduce((a, b) => a + b, 0) / perClass.length;
        losses.push(logs?.loss ?? Number.NaN);
        dice.push(mean);
        console.log(
          `epoch ${epoch + 1}: loss ${logs?.loss.toFixed(4)}, validation mean Dice ${mean.toFixed(4)} (disc/square/triangle ${perClass.map((d) => d.toFixed(3)).join(' / ')})`,
        );
      },
    },
  });
  lineChart(`${OUT}curves.png`, [
    { series: [{ values: losses, color: [31, 119, 180] }] },
    { series: [{ values: dice, color: [40, 160, 60] }] },
  ]);

  // Image / truth / prediction for 8 validation scenes, each pixel drawn 3x3.
  const labels = await predictLabels(model, xVal);
  const k = 3;
  const canvas = new Canvas(8 * (SIZE * k + 4), 3 * (SIZE * k + 4), [255, 255, 255]);
  for (let s = 0; s < 8; s++) {
    for (let i = 0; i < SIZE; i++)
      for (let j = 0; j < SIZE; j++) {
        const idx = s * SIZE * SIZE + i * SIZE + j;
        const v = Math.round(255 * val.images[idx]);
        const cells: Rgb[] = [[v, v, v], COLORS[val.labels[idx]], COLORS[labels[idx]]];
        cells.forEach((c, row) => {
          canvas.rect(s * (SIZE * k + 4) + 2 + j * k, row * (SIZE * k + 4) + 2 + i * k, k, k, c);
        });
      }
  }
  canvas.save(`${OUT}masks.png`);
  console.log(
    `final validation mean Dice ${dice[dice.length - 1].toFixed(4)}; wrote ${OUT}curves.png and ${OUT}masks.png`,
  );
  tf.dispose([x, y, xVal]);
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
