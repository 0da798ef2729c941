import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend({ prefer: ['wasm'] });
for (const b of ['cpu', 'wasm']) {
  await tf.setBackend(b);
  const backend = tf.backend();
  const t = tf.tensor1d([1, 2, 3]);
  const ids = backend.numDataIds();
  const c = tf.clone(t);
  const variable = tf.variable(c);
  console.log(b, 'after var', backend.numDataIds() - ids);
  t.dispose(); c.dispose();
  console.log(b, 'after disposes', backend.numDataIds() - ids);
  variable.assign(tf.tidy(() => tf.add(variable, 1)));
  console.log(b, 'after assign', backend.numDataIds() - ids, tf.memory().numTensors);
  variable.dispose();
  console.log(b, 'end', backend.numDataIds() - ids, tf.memory().numTensors);
}
