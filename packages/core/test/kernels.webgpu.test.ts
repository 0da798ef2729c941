/**
 * Tiefe's webgpu kernels against the cpu backend, and a model loaded from disk (never built through Tiefe)
 * training on webgpu with no call beyond initBackend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, on } from '../../../test-support/backends.js';
import { KERNELS } from '../src/backend/kernels/registry.js';
import { initBackend } from '../src/index.js';
import { expectSameStepAsCpu } from './volumeModel.js';

beforeAll(async () => {
  const got = await initBackend({ prefer: ['webgpu'] });
  expect(got.name).toBe('webgpu');
});

describe('the kernel registry on webgpu', () => {
  it('initBackend registered every webgpu kernel of the registry', () => {
    const webgpu = KERNELS.filter((k) => k.backendName === 'webgpu');
    expect(webgpu.length).toBeGreaterThan(1);
    for (const k of webgpu) expect(tf.getKernel(k.kernelName, 'webgpu')?.kernelFunc, k.kernelName).toBe(k.kernelFunc);
  });

  it('a model loaded with tf.loadLayersModel trains as on cpu (PReLU on volumes, Conv3DTranspose)', async () => {
    await expectSameStepAsCpu('webgpu');
  });
});

describe("Tiefe's kernel fixes (webgpu vs cpu)", () => {
  it('Select (tf.where) on rank 5 and 6 and the PReLU gradient on volumes: the WGSL kernel', async () => {
    const a = tf.randomNormal([2, 3, 2, 4, 3], 0, 1, 'float32', 31);
    const b = tf.randomNormal([2, 3, 2, 4, 3], 0, 1, 'float32', 32);
    const run = () => [
      tf.where(tf.greater(a, b), a, b),
      tf.where(
        tf.less(tf.reshape(a, [2, 3, 2, 2, 2, 3]), 0),
        tf.reshape(a, [2, 3, 2, 2, 2, 3]),
        tf.reshape(b, [2, 3, 2, 2, 2, 3]),
      ),
      // PReLU's gradient on a volume goes through rank-5 Select.
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.prelu(t, tf.fill([3], 0.2)), b)))(a),
    ];
    const cpu = await on('cpu', run);
    const gpu = await on('webgpu', run);
    ['where', 'rank 6', 'prelu grad'].forEach((n, i) => {
      expectClose(n, gpu[i], cpu[i]);
    });
    expect(Math.max(...Array.from(gpu[2]).map(Math.abs))).toBeGreaterThan(0);
    // And the values are right, not only equal: where(a > b, a, b) = max(a, b) element by element.
    const [av, bv] = [await a.data(), await b.data()];
    for (let i = 0; i < av.length; i++) expect(gpu[0][i]).toBe(Math.max(av[i], bv[i]));
    tf.dispose([a, b]);
  });

  it('Tile and broadcastTo on rank 5 and 6, and the mean gradient over a volume: the WGSL kernel', async () => {
    const v = tf.randomNormal([2, 1, 3, 2, 3], 0, 1, 'float32', 33);
    const run = () => [
      tf.tile(v, [1, 2, 1, 3, 2]),
      tf.tile(tf.reshape(v, [1, 2, 1, 3, 2, 3]), [2, 1, 2, 1, 1, 2]),
      tf.broadcastTo(tf.reshape(tf.range(0, 3), [1, 1, 1, 1, 3]), [2, 3, 2, 2, 3]),
      // Batch norm's statistics over a volume: the Mean gradient broadcasts dy / n back to rank 5.
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(t, [0, 1, 2, 3]), tf.tensor1d([1, -2, 3]))))(v),
    ];
    const cpu = await on('cpu', run);
    const gpu = await on('webgpu', run);
    ['tile rank 5', 'tile rank 6', 'broadcastTo rank 5', 'mean grad rank 5'].forEach((n, i) => {
      expectClose(n, gpu[i], cpu[i]);
    });
    tf.dispose(v);
  });

  it('Cast bool / int32 -> float32 is a real conversion: the masked-RNN op sequence gives the mask', async () => {
    // What tfjs-layers' rnn() does with an Embedding's maskZero mask: cast to float, time-major, one slice per step.
    const run = () => {
      const tokens = tf.tensor2d([[3, 1, 5, 0, 0]]);
      const steps = (m: tf.Tensor) => tf.unstack(tf.transpose(tf.expandDims(m, -1), [1, 0, 2]));
      const fromBool = steps(tf.cast(tf.notEqual(tokens, tf.zerosLike(tokens)), 'float32'));
      const fromInt = steps(tf.cast(tf.tensor2d([[4, -2, 0, 7, 1]], [1, 5], 'int32'), 'float32'));
      return [...fromBool, ...fromInt].map((m) => tf.mul(tf.ones([1, 3]), m));
    };
    const cpu = await on('cpu', run);
    const gpu = await on('webgpu', run);
    const want = [1, 1, 1, 0, 0, 4, -2, 0, 7, 1];
    expect(cpu.map((v) => v[2])).toEqual(want);
    expect(gpu.map((v) => v[2])).toEqual(want);
  });

  it('binary ops of a volume and a rank-1 tensor (prelu, mul, add, sub; tfjs takes a broken shared-memory path)', async () => {
    const run = () => {
      const v = tf.randomNormal([2, 3, 2, 2, 5], 0, 1, 'float32', 34);
      const w = tf.tensor1d([0.1, -2, 3, 0.5, 1]);
      return [tf.prelu(v, w), tf.mul(v, w), tf.add(w, v), tf.sub(v, tf.tensor1d([2])), tf.maximum(v, w)];
    };
    const cpu = await on('cpu', run);
    const gpu = await on('webgpu', run);
    ['prelu', 'mul', 'add', 'sub', 'maximum'].forEach((n, i) => {
      expectClose(n, gpu[i], cpu[i]);
    });
  });

  it('ResizeNearestNeighborGrad (UpSampling2D gradient) agrees for a batch of 3, integer and fractional scales', async () => {
    const run = () =>
      [
        [6, 10],
        [5, 7],
      ].map(([h, w]) => {
        const x = tf.randomNormal([3, 3, 5, 2], 0, 1, 'float32', 33);
        const g = tf.reshape(tf.sin(tf.range(0, 3 * h * w * 2)), [3, h, w, 2]);
        return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(t as tf.Tensor4D, [h, w]), g)))(
          x,
        );
      });
    const cpu = await on('cpu', run);
    const gpu = await on('webgpu', run);
    expectClose('x2', gpu[0], cpu[0]);
    expectClose('fractional', gpu[1], cpu[1]);
  });
});
