import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend({ prefer: ['wasm'], threads: 1 });
const dy1 = tf.randomNormal([64, 26, 26, 32]) as tf.Tensor4D;
const y1 = tf.maxPool(dy1, 2, 2, 'valid');
for (let i = 0; i < 8; i++) {
  const t0 = performance.now();
  const r = tf.engine().runKernel('MaxPoolGrad', { dy: y1, input: dy1, output: y1 }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor;
  const t1 = performance.now();
  r.dataSync(); const t2 = performance.now();
  console.log((t1 - t0).toFixed(2), (t2 - t1).toFixed(2));
  r.dispose();
}
