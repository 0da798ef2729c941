import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/src/index.js';
import { smallCnn, unet, unet3d } from '../src/index.js';

const backend = (process.argv[2] ?? 'webgpu') as 'webgpu';
await initBackend({ prefer: [backend] });
async function t(name: string, m: any, shape: number[], batch: number) {
  const x = tf.randomNormal([batch, ...shape]);
  const out = m.outputs[0].shape.slice(1);
  const y = tf.oneHot(tf.zeros([batch, ...out.slice(0, -1)], 'int32'), out[out.length - 1]);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  await m.trainOnBatch(x, y);
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y);
  console.log(backend, name, ((performance.now() - t0) / 3).toFixed(0), 'ms/step');
}
await t('smallCnn 32-64 b64', smallCnn(), [28, 28, 1], 64);
await t('smallCnn 16-32 b64', smallCnn({ filters: [16, 32] }), [28, 28, 1], 64);
await t(
  'unet32 b16',
  unet({ inputShape: [32, 32, 1], classes: 4, depth: 3, baseFilters: 8, batchNorm: true }),
  [32, 32, 1],
  16,
);
if (backend === 'webgpu')
  await t(
    'unet3d16 b4',
    unet3d({ inputShape: [16, 16, 16, 1], classes: 3, depth: 2, baseFilters: 8 }),
    [16, 16, 16, 1],
    4,
  );
