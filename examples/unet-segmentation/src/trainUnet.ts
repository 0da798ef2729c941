/**
 * U-Net segmentation of synthetic shape scenes (`syntheticShapes2d` of @tiefe/datasets: circles, squares and
 * triangles on a noisy background) with `unet()` of @tiefe/blocks; the U-Net labels every pixel (background,
 * circle, square, triangle). After every epoch the per-class Dice on the validation scenes comes from
 * @tiefe/losses' `SegmentationConfusionMatrix`. Writes `curves.png` (training loss, validation mean Dice) and
 * `masks.png` (8 validation scenes; rows: image, true mask, predicted mask).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { unet } from '@tiefe/blocks';
import { concatCharts, imageGridChart, lineChart, writeChart } from '@tiefe/charts';
import { type Color, grayImage, initBackend, labelImage, seed } from '@tiefe/core';
import { syntheticShapes2d } from '@tiefe/datasets';
import { SegmentationConfusionMatrix } from '@tiefe/losses';

/** Options of {@link trainUnet}; the defaults are the full run. */
export interface UnetOptions {
  /** Where curves.png and masks.png go. */
  outDir: string;
  /** Training scenes (default 320). */
  train?: number;
  /** Validation scenes (default 100; at least 8 for masks.png). */
  validation?: number;
  /** Epochs (default 12). */
  epochs?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** What {@link trainUnet} measured and wrote. */
export interface UnetResult {
  loss: number[];
  /** Validation mean Dice over the three shape classes, per epoch. */
  dice: number[];
  /** Final validation Dice per shape class (circle, square, triangle). */
  perClass: number[];
  files: { curves: string; masks: string };
}

const SIZE = 32;
const CLASSES = 4;
const COLORS: Color[] = [
  [0, 0, 0],
  [230, 80, 60],
  [70, 170, 90],
  [70, 120, 230],
];

/** Per-class validation Dice of the shape classes (background left out). */
async function validationDice(model: tfl.LayersModel, x: tf.Tensor, masks: tf.Tensor): Promise<number[]> {
  const cm = new SegmentationConfusionMatrix({ numClasses: CLASSES });
  const pred = model.predict(x, { batchSize: 16 }) as tf.Tensor;
  await cm.update(masks, pred);
  pred.dispose();
  return cm.dice().slice(1);
}

/** Trains the U-Net, logs the validation Dice per epoch and writes the two PNGs. */
export async function trainUnet(options: UnetOptions): Promise<UnetResult> {
  const { outDir, train = 320, validation = 100, epochs = 12, log = console.log } = options;
  const backend = await initBackend();
  seed(5);
  const trainSet = syntheticShapes2d({ n: train, size: SIZE, seed: 1 });
  const valSet = syntheticShapes2d({ n: validation, size: SIZE, seed: 2 });
  const y = tf.oneHot(trainSet.masks, CLASSES);

  // Batch-norm momentum 0.9: in a short training the moving statistics must catch up with the batches.
  const model = unet({
    inputShape: [SIZE, SIZE, 1],
    classes: CLASSES,
    depth: 3,
    baseFilters: 16,
    batchNorm: true,
    bnMomentum: 0.9,
  });
  log(`backend ${backend.name}; U-Net with ${model.countParams()} parameters; ${train} scenes, ${epochs} epochs`);
  const optimizer = tf.train.adam(0.003);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const loss: number[] = [];
  const dice: number[] = [];
  let perClass: number[] = [];
  await model.fit(trainSet.images, y, {
    epochs,
    batchSize: 16,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        perClass = await validationDice(model, valSet.images, valSet.masks);
        const mean = perClass.reduce((a, b) => a + b, 0) / perClass.length;
        loss.push(logs?.loss ?? Number.NaN);
        dice.push(mean);
        log(
          `epoch ${epoch + 1}: loss ${logs?.loss.toFixed(4)}, validation mean Dice ${mean.toFixed(4)} (circle/square/triangle ${perClass.map((d) => d.toFixed(3)).join(' / ')})`,
        );
      },
    },
  });
  const curves = join(outDir, 'curves.png');
  const perEpoch = (values: number[]) => values.map((v, i) => [i + 1, v] as [number, number]);
  await writeChart(
    curves,
    concatCharts([
      lineChart({
        title: 'Training loss',
        x: { title: 'epoch' },
        y: { title: 'loss (categorical cross-entropy)' },
        series: [{ name: 'training', points: perEpoch(loss) }],
        width: 300,
      }),
      lineChart({
        title: 'Validation mean Dice',
        x: { title: 'epoch' },
        y: { title: 'Dice (mean of circle, square, triangle)' },
        series: [{ name: 'validation', points: perEpoch(dice) }],
        width: 300,
      }),
    ]),
  );

  const predIds = tf.tidy(() => tf.argMax(model.predict(tf.slice(valSet.images, 0, 8)) as tf.Tensor, -1));
  const [pixels, truth, predicted] = await Promise.all([valSet.images.data(), valSet.masks.data(), predIds.data()]);
  const scenes = Array.from({ length: 8 }, (_, s) => s);
  const masks = join(outDir, 'masks.png');
  await writeChart(
    masks,
    imageGridChart({
      title: '8 validation scenes (red circle, green square, blue triangle)',
      rowHeaders: ['image', 'true mask', 'predicted'],
      columnHeaders: scenes.map((s) => `scene ${s + 1}`),
      images: [
        scenes.map((s) => grayImage(pixels, SIZE, SIZE, s)),
        scenes.map((s) => labelImage(truth, COLORS, SIZE, SIZE, s)),
        scenes.map((s) => labelImage(predicted, COLORS, SIZE, SIZE, s)),
      ],
      cellSize: 96,
    }),
    { scale: 1 },
  );
  log(`final validation mean Dice ${dice[dice.length - 1].toFixed(4)}; wrote ${curves} and ${masks}`);
  tf.dispose([trainSet.images, trainSet.masks, valSet.images, valSet.masks, y, predIds]);
  model.dispose();
  optimizer.dispose();
  return { loss, dice, perClass, files: { curves, masks } };
}
