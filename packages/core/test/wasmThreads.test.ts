import os from 'node:os';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { configureWasmThreads } from '../src/backend/wasm/threads.js';
import { createRng, registerKernels } from '../src/index.js';
import '@tensorflow/tfjs-backend-cpu';

// Threaded wasm in Node (vitest runs each test file in its own process, so this file starts wasm itself).
const rng = createRng(5);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

describe('wasm with 2 XNNPACK threads in Node', () => {
  const globals = { Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, cpus: os.cpus };
  let setup: Awaited<ReturnType<typeof configureWasmThreads>>;
  beforeAll(async () => {
    setup = await configureWasmThreads(2);
    registerKernels();
    try {
      expect(await tf.setBackend('wasm')).toBe(true);
    } finally {
      setup.done();
    }
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  test('starts the threaded build with the requested threads and restores the patched globals', async () => {
    expect(setup.threads).toBe(2);
    expect(getThreadsCount()).toBe(2);
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(true);
    expect(globalThis.Blob).toBe(globals.Blob);
    expect(URL.createObjectURL).toBe(globals.createObjectURL);
    expect(os.cpus).toBe(globals.cpus);
    // Too late to change the thread count now: it says so instead of pretending.
    const again = await configureWasmThreads(4);
    expect(again).toMatchObject({ threads: 2, reason: 'the wasm backend was already started' });
  });

  test('conv2d gradients and a 256x256 matmul agree with cpu (relative 1e-4)', async () => {
    const x = random(8 * 12 * 12 * 4);
    const f = random(3 * 3 * 4 * 16);
    const r = random(8 * 10 * 10 * 16);
    const a = random(256 * 256);
    const run = async (name: string) => {
      await tf.setBackend(name);
      const before = tf.memory().numTensors;
      const outs = tf.tidy(() => {
        const loss = (p: tf.Tensor, q: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'valid'), tf.tensor4d(r, [8, 10, 10, 16])));
        const g = tf.grads(loss)([tf.tensor4d(x, [8, 12, 12, 4]), tf.tensor4d(f, [3, 3, 4, 16])]);
        const m = tf.tensor2d(a, [256, 256]);
        return [...g, tf.matMul(m, m, false, true)];
      });
      const values = await Promise.all(outs.map((t) => t.data() as Promise<Float32Array>));
      tf.dispose(outs);
      expect(tf.memory().numTensors).toBe(before);
      return values;
    };
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    for (let i = 0; i < cpu.length; i++) {
      const scale = Math.max(...cpu[i].map(Math.abs));
      const worst = Math.max(...cpu[i].map((v, k) => Math.abs(v - wasm[i][k])));
      expect(scale).toBeGreaterThan(0);
      expect(worst, `output ${i}`).toBeLessThanOrEqual(1e-4 * (1 + scale));
    }
  });
});
