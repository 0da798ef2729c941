import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { lenet5, smallCnn } from '../src/models/classifiers.js';
import { resnet } from '../src/models/resnet.js';

await tf.setBackend('cpu');
const tr = (m: any) =>
  m.trainableWeights.reduce((a: number, w: any) => a + w.shape.reduce((p: number, q: number) => p * q, 1), 0);
for (const [d, b] of [
  [50, true],
  [50, false],
  [18, false],
  [34, false],
  [18, true],
] as const) {
  const t = Date.now();
  const m = resnet({ depth: d, convBias: b });
  console.log(d, b, m.countParams(), tr(m), Date.now() - t, 'ms');
  m.dispose();
}
console.log(smallCnn().countParams(), lenet5().countParams(), lenet5({ inputShape: [28, 28, 1] }).countParams());
