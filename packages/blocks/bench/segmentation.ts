/**
 * What the 2-D and 3-D segmentation benches share: train a model on `syntheticShapes2d` / `syntheticShapes3d`
 * scenes (one-hot targets, categorical cross-entropy) and score the held-out scenes with the per-class Dice of
 * `SegmentationConfusionMatrix` (the shape classes; background left out). Progress goes to stderr per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { SyntheticSegmentation } from '@tiefe/datasets';
import { SegmentationConfusionMatrix } from '@tiefe/losses';

type Scenes = SyntheticSegmentation<tf.Tensor, tf.Tensor>;

/** Trains `model` on `train`, returns the Dice per shape class on `test` and the training time. */
export async function trainAndScore(
  model: tfl.LayersModel,
  train: Scenes,
  test: Scenes,
  options: { epochs: number; batchSize: number; learningRate: number },
): Promise<{ dice: number[]; seconds: number }> {
  const { epochs, batchSize, learningRate } = options;
  const classes = train.classNames.length;
  const y = tf.oneHot(train.masks, classes);
  const optimizer = tf.train.adam(learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  const t0 = performance.now();
  await model.fit(train.images, y, {
    epochs,
    batchSize,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        const s = ((performance.now() - t0) / 1000).toFixed(0);
        process.stderr.write(`${model.name} epoch ${epoch + 1}/${epochs}: loss ${logs?.loss.toFixed(4)} (${s} s)\n`);
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const cm = new SegmentationConfusionMatrix({ numClasses: classes });
  const pred = model.predict(test.images, { batchSize: 16 }) as tf.Tensor;
  await cm.update(test.masks, pred);
  tf.dispose([y, pred]);
  optimizer.dispose();
  return { dice: cm.dice().slice(1), seconds };
}

/** Mean of the per-class scores. */
export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
