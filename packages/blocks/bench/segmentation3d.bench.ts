/**
 * Segmentation quality, 3-D: a 3-D U-Net on synthetic volumes (`syntheticShapes3d`: spheres and cubes), mean
 * Dice over the 2 shape classes >= 0.80. Minutes of training, so webgpu only by default (the 3-D kernels and
 * Tiefe's 3-D gradients are tested there; a step is ~6x faster than on the cpu backend here). Progress goes to
 * stderr once per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unet3d } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import { syntheticShapes3d } from '@tiefe/datasets';
import type { BenchRow } from '../../../scripts/benchRow.js';
import { mean, trainAndScore } from './segmentation.js';

export const kind = 'accuracy';

export const backends = ['webgpu'];

export default async function run(backend: string): Promise<BenchRow[]> {
  seed(1);
  const [n, epochs] = [64, 20];
  const train = syntheticShapes3d({ n, size: 16, seed: 3 });
  const test = syntheticShapes3d({ n: 24, size: 16, seed: 4 });
  const u = unet3d({ inputShape: [16, 16, 16, 1], classes: 3, depth: 2, baseFilters: 8, bnMomentum: 0.9 });
  const r = await trainAndScore(u, train, test, { epochs, batchSize: 4, learningRate: 0.01 });
  tf.dispose([train.images, train.masks, test.images, test.masks]);
  u.dispose();
  const d = mean(r.dice);
  return [
    {
      case: '3-D U-Net mean Dice, 3-D shape volumes (16^3, sphere and cube)',
      value: Number(d.toFixed(4)),
      unit: 'Dice',
      target: '>= 0.80',
      pass: d >= 0.8,
      note: `syntheticShapes3d; depth 2, base 8, BN (momentum 0.9); ${n} train / 24 test volumes, ${epochs} epochs Adam 0.01 on ${backend} (${r.seconds.toFixed(0)} s); per class (sphere, cube) ${r.dice.map((x) => x.toFixed(3)).join(', ')}`,
    },
  ];
}
