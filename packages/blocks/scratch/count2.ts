import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { resnet, unet, unet3d } from '../src/index.js';

await tf.setBackend('cpu');
for (const m of [
  unet({ inputShape: [128, 128, 1], depth: 4, baseFilters: 16, batchNorm: true, classes: 2 }),
  resnet({ depth: 18, stem: 'cifar', classes: 10 }),
  unet({ inputShape: [32, 32, 1], classes: 4, depth: 3, baseFilters: 8, batchNorm: true }),
  unet3d({ inputShape: [16, 16, 16, 1], classes: 3, depth: 2, baseFilters: 8 }),
])
  console.log(m.name, m.countParams());
