import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/src/index.js';
import { registerKernelFixes } from '../src/index.js';

await initBackend({ prefer: ['webgpu'] });
registerKernelFixes();
const a = tf.randomNormal([2, 3, 2, 4, 3], 0, 1, 'float32', 31);
const b = tf.randomNormal([2, 3, 2, 4, 3], 0, 1, 'float32', 32);
for (const [name, f] of [
  ['greater5', () => tf.greater(a, b)],
  ['where5', () => tf.where(tf.greater(a, b), a, b)],
  ['less6', () => tf.less(tf.reshape(a, [2, 3, 2, 2, 2, 3]), 0)],
  [
    'where6',
    () =>
      tf.where(
        tf.less(tf.reshape(a, [2, 3, 2, 2, 2, 3]), 0),
        tf.reshape(a, [2, 3, 2, 2, 2, 3]),
        tf.reshape(b, [2, 3, 2, 2, 2, 3]),
      ),
  ],
  ['prelu', () => tf.prelu(a, tf.fill([3], 0.2))],
  ['preluGrad', () => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.prelu(t, tf.fill([3], 0.2)), b)))(a)],
] as const) {
  console.log('---', name);
  const y = f();
  console.log(name, (await y.data()).slice(0, 3));
}
