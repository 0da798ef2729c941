import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/index.js';
import { referenceCnn } from './wasm.bench.js';
await initBackend({ prefer: ['wasm'], threads: 1 });
const model = referenceCnn();
const x = tf.randomUniform([64, 28, 28, 1]); const y = tf.cast(tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10), 'float32');
const be = tf.backend() as BackendWasm;
for (let i = 0; i < 40; i++) { await model.trainOnBatch(x, y); if (i % 5 === 4) console.log(i, (be.wasm.HEAPU8.length / 1e6).toFixed(1), 'MB heap', tf.memory().numTensors, be.numDataIds()); }
