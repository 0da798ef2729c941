/**
 * Segmentation quality, 2-D: U-Net on synthetic shape scenes (`syntheticShapes2d`), mean Dice over the 3 shape
 * classes >= 0.90. Minutes of training, so one backend by default: wasm, whose U-Net step measured ~2x faster
 * than webgpu (lavapipe) and ~14x faster than cpu on this 2-core machine. Progress goes to stderr once per epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unet } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import { syntheticShapes2d } from '@tiefe/datasets';
import type { BenchRow } from '../../../scripts/benchRow.js';
import { mean, trainAndScore } from './segmentation.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

export default async function run(backend: string): Promise<BenchRow[]> {
  seed(1);
  const [n, epochs] = [480, 25];
  const train = syntheticShapes2d({ n, size: 32, seed: 1 });
  const test = syntheticShapes2d({ n: 100, size: 32, seed: 2 });
  const u = unet({ inputShape: [32, 32, 1], classes: 4, depth: 3, baseFilters: 16, batchNorm: true, bnMomentum: 0.9 });
  const r = await trainAndScore(u, train, test, { epochs, batchSize: 16, learningRate: 0.003 });
  tf.dispose([train.images, train.masks, test.images, test.masks]);
  u.dispose();
  const d = mean(r.dice);
  return [
    {
      case: 'U-Net mean Dice, 2-D shape scenes (32x32, 3 shape classes)',
      value: Number(d.toFixed(4)),
      unit: 'Dice',
      target: '>= 0.90',
      pass: d >= 0.9,
      note: `syntheticShapes2d; depth 3, base 16, BN (momentum 0.9); ${n} train / 100 test scenes, ${epochs} epochs Adam 0.003 on ${backend} (${r.seconds.toFixed(0)} s); per class (circle, square, triangle) ${r.dice.map((x) => x.toFixed(3)).join(', ')}`,
    },
  ];
}
