import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
import { referenceCnn } from './wasm.bench.js';
await initBackend({ prefer: ['wasm'], threads: process.env.THREADS ? Number(process.env.THREADS) : undefined });
const model = referenceCnn();
const x = tf.randomUniform([64, 28, 28, 1]); const y = tf.cast(tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10), 'float32');
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const p = await tf.profile(async () => { await model.trainOnBatch(x, y); });
for (const k of p.kernels) if ((k.kernelTimeMs as number) > 0.3) console.log(k.name, (k.kernelTimeMs as number).toFixed(2), JSON.stringify(k.inputShapes), JSON.stringify(k.outputShapes));
