/**
 * Forward and training-step times per backend for two reference models: U-Net at 128x128 and ResNet-18 at
 * 32x32 (CIFAR stem). One warm-up call (shader compilation, allocation), then the median of 2 timed calls (their mean);
 * each call is synchronised (the forward reads its output back, the step returns its loss).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resnet, unet } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import type { BenchRow } from '../../../scripts/benchRow.js';

const REPS = 2;

async function median(f: () => Promise<void>): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  // Median of REPS calls (for 2 calls: their mean).
  const sorted = times.sort((a, b) => a - b);
  return REPS % 2 ? sorted[(REPS - 1) / 2] : (sorted[REPS / 2 - 1] + sorted[REPS / 2]) / 2;
}

async function time(name: string, model: tfl.LayersModel, batch: number, backend: string, note: string) {
  const inShape = model.inputs[0].shape.slice(1) as number[];
  const outShape = model.outputs[0].shape.slice(1) as number[];
  const x = tf.randomNormal([batch, ...inShape], 0, 1, 'float32', 1);
  const y = tf.tidy(() =>
    tf.oneHot(tf.zeros([batch, ...outShape.slice(0, -1)], 'int32'), outShape[outShape.length - 1]),
  );
  model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
  const forward = await median(async () => {
    const out = model.predict(x) as tf.Tensor;
    await out.data();
    out.dispose();
  });
  const step = await median(async () => {
    await model.trainOnBatch(x, y);
  });
  tf.dispose([x, y]);
  model.dispose();
  return [
    {
      case: `${name} forward (batch ${batch})`,
      value: Number(forward.toFixed(1)),
      unit: 'ms',
      note: `${backend}; ${note}`,
    },
    {
      case: `${name} training step (batch ${batch})`,
      value: Number(step.toFixed(1)),
      unit: 'ms',
      note: `${backend}; SGD, categorical cross-entropy; ${note}`,
    },
  ];
}

export default async function run(backend: string): Promise<BenchRow[]> {
  seed(3);
  return [
    ...(await time(
      'U-Net 128x128x1',
      unet({ inputShape: [128, 128, 1], depth: 4, baseFilters: 16, batchNorm: true, classes: 2 }),
      2,
      backend,
      'depth 4, base 16, BN, 2 classes (1,945,250 params)',
    )),
    ...(await time(
      'ResNet-18 32x32x3',
      resnet({ depth: 18, stem: 'cifar', classes: 10 }),
      8,
      backend,
      'CIFAR stem, width 64, 10 classes (11,188,362 params)',
    )),
  ];
}
