import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../core/src/index.js';
import { registerWebgpuKernels } from '../src/index.js';

await initBackend({ prefer: ['webgpu'] });
console.log('patched', registerWebgpuKernels());
for (const [h, w, c] of [
  [4, 4, 2],
  [8, 8, 4],
  [3, 5, 1],
  [2, 2, 1],
]) {
  const x = tf.randomNormal([2, h, w, c], 0, 1, 'float32', 1);
  const g = tf.randomNormal([2, 2 * h, 2 * w, c], 0, 1, 'float32', 2);
  const run = () =>
    tf.tidy(() => {
      const f = (a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, [2 * h, 2 * w]), g));
      return [tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [2 * h, 2 * w]), tf.grad(f)(x)];
    });
  await tf.setBackend('cpu');
  const [yc, gc] = run().map((t) => t.dataSync());
  await tf.setBackend('webgpu');
  const [yg, gg] = await Promise.all(run().map((t) => t.data()));
  let dy = 0,
    dg = 0;
  for (let i = 0; i < yc.length; i++) dy = Math.max(dy, Math.abs(yc[i] - yg[i]));
  for (let i = 0; i < gc.length; i++) dg = Math.max(dg, Math.abs(gc[i] - gg[i]));
  console.log(
    h,
    w,
    c,
    'fwd',
    dy,
    'grad',
    dg,
    Array.from(gc.slice(0, 6)).map((v) => v.toFixed(3)),
    Array.from(gg.slice(0, 6)).map((v) => v.toFixed(3)),
  );
}
{
  await tf.setBackend('cpu');
  const h = 2,
    w = 2;
  const g = tf.randomNormal([2, 4, 4, 1], 0, 1, 'float32', 2);
  const gv = g.arraySync() as number[][][][];
  const ref: number[] = [];
  for (let b = 0; b < 2; b++)
    for (let r = 0; r < h; r++)
      for (let c = 0; c < w; c++)
        ref.push(
          gv[b][2 * r][2 * c][0] +
            gv[b][2 * r + 1][2 * c][0] +
            gv[b][2 * r][2 * c + 1][0] +
            gv[b][2 * r + 1][2 * c + 1][0],
        );
  console.log(
    'ref',
    ref.map((v) => v.toFixed(3)),
  );
}
