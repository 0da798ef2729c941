import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as b from '../src/index.js';

await tf.setBackend('cpu');
const u = b.unet({ inputShape: [128, 128, 1], classes: 2 });
console.log('unet canonical', u.countParams());
u.dispose();
const uv = b.unet({ inputShape: [572, 572, 1], classes: 2, padding: 'valid' });
console.log('unet valid', uv.countParams(), uv.outputs[0].shape);
uv.dispose();
const cases: [string, () => any, number[]][] = [
  [
    'unet',
    () => b.unet({ inputShape: [16, 16, 1], depth: 2, baseFilters: 4, batchNorm: true, upsampling: 'upsample' }),
    [2, 16, 16, 1],
  ],
  ['unet3d', () => b.unet3d({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 4 }), [2, 8, 8, 8, 1]],
  [
    'unet3dup',
    () => b.unet3d({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 4, upsampling: 'upsample' }),
    [2, 8, 8, 8, 1],
  ],
  ['vnet', () => b.vnet({ inputShape: [8, 8, 8, 1], depth: 2, baseFilters: 4, kernelSize: 3 }), [2, 8, 8, 8, 1]],
  [
    'fcn8',
    () =>
      b.fcn({
        variant: '8s',
        inputShape: [32, 32, 3],
        classes: 3,
        filters: [4, 4, 8, 8, 8],
        headFilters: 16,
        headKernel: 1,
      }),
    [2, 32, 32, 3],
  ],
  ['incep', () => b.inceptionNet({ widthScale: 0.125, inputShape: [16, 16, 3] }), [2, 16, 16, 3]],
  ['resnet18c', () => b.resnet({ depth: 18, stem: 'cifar', width: 4, inputShape: [16, 16, 3] }), [2, 16, 16, 3]],
  [
    'resnet50pre',
    () => b.resnet({ depth: 50, stem: 'cifar', width: 4, inputShape: [16, 16, 3], preActivation: true }),
    [2, 16, 16, 3],
  ],
];
for (const [name, mk, shape] of cases) {
  const t0 = Date.now();
  const m = mk();
  const x = tf.randomNormal(shape);
  const y = m.predict(x) as tf.Tensor;
  const outC = m.outputs[0].shape[m.outputs[0].shape.length - 1];
  const yt = tf.oneHot(tf.zeros(y.shape.slice(0, -1), 'int32'), outC);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
  const l = await m.trainOnBatch(x, yt);
  console.log(name, m.countParams(), y.shape, l, Date.now() - t0, 'ms');
  tf.dispose([x, y, yt]);
  m.dispose();
}
console.log(tf.memory().numTensors);
