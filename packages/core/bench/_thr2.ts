import * as tf from '@tensorflow/tfjs-core';
import { registerWasmTrainingKernels } from '../src/backend/wasm/registerTrainingKernels.js';
import { configureWasmThreads } from '../src/backend/wasm/threads.js';
import { referenceCnn } from './wasm.bench.js';
const setup = await configureWasmThreads(2);
registerWasmTrainingKernels();
try { await tf.setBackend('wasm'); } finally { setup.done(); }
console.log('backend up');
const x = tf.randomUniform([64, 28, 28, 1]); const y = tf.cast(tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10), 'float32');
const w = tf.randomNormal([3, 3, 1, 32]) as tf.Tensor4D;
const c = tf.conv2d(x as tf.Tensor4D, w, 1, 'valid'); console.log('conv', c.shape, (await tf.sum(c).data())[0]);
const model = referenceCnn();
console.log('model built');
for (let i = 0; i < 5; i++) { const t0 = performance.now(); const l = await model.trainOnBatch(x, y); console.log('step', i, l, (performance.now() - t0).toFixed(1)); }
