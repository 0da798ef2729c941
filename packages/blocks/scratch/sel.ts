import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/src/index.js';
import { registerKernelFixes } from '../src/index.js';

await initBackend({ prefer: ['webgpu'] });
console.log(registerKernelFixes());
const a = tf.randomNormal([2, 1, 1, 1, 3], 0, 1, 'float32', 31);
const b = tf.randomNormal([2, 1, 1, 1, 3], 0, 1, 'float32', 32);
const c = tf.greater(a, b);
console.log(c.dtype, await c.data());
const y = tf.where(c, a, b);
console.log(await a.data(), await b.data(), await y.data());
