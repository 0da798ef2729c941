import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/index.js';
await initBackend({ prefer: ['wasm'], threads: 1 });
function time(label: string, f: () => tf.Tensor, n = 10) {
  const ts: number[] = [];
  for (let i = 0; i < n + 2; i++) { const t0 = performance.now(); const r = f(); r.dataSync(); if (i >= 2) ts.push(performance.now() - t0); r.dispose(); }
  ts.sort((a, b) => a - b); console.log(label, 'min', ts[0].toFixed(2), 'med', ts[ts.length >> 1].toFixed(2));
}
for (const [m, k, n, bt] of [[1600, 64, 10, 1], [64, 10, 1600, 1], [256, 256, 256, 1], [256, 256, 256, 8]]) {
  const A = tf.randomNormal([bt, m, k]); const AT = tf.randomNormal([bt, k, m]); const B = tf.randomNormal([bt, k, n]); const BT = tf.randomNormal([bt, n, k]);
  time(`${bt}x${m}x${k}x${n} nn`, () => tf.matMul(A, B));
  time(`${bt}x${m}x${k}x${n} tn`, () => tf.matMul(AT, B, true, false));
  time(`${bt}x${m}x${k}x${n} nt`, () => tf.matMul(A, BT, false, true));
  time(`${bt}x${m}x${k}x${n} tt`, () => tf.matMul(AT, BT, true, true));
  time(`${bt}x${m}x${k}x${n} transpose AT`, () => tf.transpose(AT, [0, 2, 1]));
}
