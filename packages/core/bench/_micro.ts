import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend({ prefer: ['wasm'], threads: 1 });
function time(label: string, f: () => tf.Tensor | tf.Tensor[], n = 10) {
  const ts: number[] = [];
  for (let i = 0; i < n + 2; i++) { const t0 = performance.now(); const r = f(); const d = Array.isArray(r) ? r : [r]; d.forEach(t => t.dataSync()); if (i >= 2) ts.push(performance.now() - t0); tf.dispose(r); }
  ts.sort((a, b) => a - b); console.log(label, ts[ts.length >> 1].toFixed(2), 'ms');
}
const x2 = tf.randomNormal([64, 13, 13, 32]) as tf.Tensor4D; const dy2 = tf.randomNormal([64, 11, 11, 64]) as tf.Tensor4D;
const x1 = tf.randomNormal([64, 28, 28, 1]) as tf.Tensor4D; const dy1 = tf.randomNormal([64, 26, 26, 32]) as tf.Tensor4D;
const w2 = tf.randomNormal([3,3,32,64]) as tf.Tensor4D;
time('dW conv2', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: x2, dy: dy2 }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] }) as tf.Tensor);
time('dW conv1', () => tf.engine().runKernel('Conv2DBackpropFilter', { x: x1, dy: dy1 }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 32] }) as tf.Tensor);
time('transpose x2 [3,1,2,0]', () => tf.transpose(x2, [3, 1, 2, 0]));
time('transpose dy2 [1,2,0,3]', () => tf.transpose(dy2, [1, 2, 0, 3]));
time('transpose dy1 [1,2,0,3]', () => tf.transpose(dy1, [1, 2, 0, 3]));
const xT = tf.transpose(x2, [3, 1, 2, 0]) as tf.Tensor4D; const dyT = tf.transpose(dy2, [1, 2, 0, 3]) as tf.Tensor4D;
time('conv xT*dyT', () => tf.conv2d(xT, dyT, 1, 'valid'));
const x1T = tf.transpose(x1, [3, 1, 2, 0]) as tf.Tensor4D; const dy1T = tf.transpose(dy1, [1, 2, 0, 3]) as tf.Tensor4D;
time('conv x1T*dy1T', () => tf.conv2d(x1T, dy1T, 1, 'valid'));
const a = tf.randomNormal([7744, 288]); const b = tf.randomNormal([7744, 64]);
time('matmul aT b', () => tf.matMul(a, b, true, false));
const aT = tf.randomNormal([288, 7744]);
time('matmul aT(pre) b', () => tf.matMul(aT, b));
time('dx conv2', () => tf.engine().runKernel('Conv2DBackpropInput', { dy: dy2, filter: w2 }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', inputShape: [64, 13, 13, 32] }) as tf.Tensor);
time('fwd conv2', () => tf.conv2d(x2, w2, 1, 'valid'));
time('sum dy1 bias', () => tf.sum(dy1, [0, 1, 2]));
time('sum dy2 bias', () => tf.sum(dy2, [0, 1, 2]));
const y1 = tf.maxPool(dy1, 2, 2, 'valid');
time('maxPoolGrad1', () => tf.engine().runKernel('MaxPoolGrad', { dy: y1, input: dy1, output: y1 }, { filterSize: 2, strides: 2, pad: 'valid' }) as tf.Tensor);
