import { execFile } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { type BackendWasm, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ConvGeometry, filterGradRoute } from '../src/backend/kernels/wasm/convBackprop.js';
import { helperChunks, helperThreads } from '../src/backend/kernels/wasm/helperThreads.js';
import { configureWasmThreads, defaultWasmThreads } from '../src/backend/wasm/threads.js';
import { createRng, registerKernels } from '../src/index.js';
import '@tensorflow/tfjs-backend-cpu';

// Threaded wasm in Node (vitest runs each test file in its own process, so this file starts wasm itself).
const rng = createRng(5);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

describe('wasm with 2 XNNPACK threads in Node', () => {
  const globals = {
    Blob: globalThis.Blob,
    createObjectURL: URL.createObjectURL,
    cpus: os.cpus,
    cores: os.cpus().length,
  };
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

  test('starts the threaded build with the requested threads and patches no global', async () => {
    expect(setup.threads).toBe(2);
    expect(getThreadsCount()).toBe(2);
    expect(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(true);
    expect(globalThis.Blob).toBe(globals.Blob);
    expect(URL.createObjectURL).toBe(globals.createObjectURL);
    expect(os.cpus).toBe(globals.cpus);
    expect(os.cpus().length).toBe(globals.cores);
    // Too late to change the thread count now: it says so instead of pretending.
    const again = await configureWasmThreads(4);
    expect(again).toMatchObject({ threads: 2, reason: 'the wasm backend was already started' });
  });

  /**
   * Runs `build` on cpu and on the threaded wasm backend (no tensor left behind on either) and expects every
   * output to agree within 1e-4 relative to its largest value, which must not be 0.
   */
  async function expectWasmMatchesCpu(build: () => tf.Tensor[]): Promise<void> {
    const run = async (name: string) => {
      await tf.setBackend(name);
      const before = tf.memory().numTensors;
      const outs = tf.tidy(build);
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
      expect(scale, `output ${i}: signal`).toBeGreaterThan(0);
      expect(worst, `output ${i}`).toBeLessThanOrEqual(1e-4 * (1 + scale));
    }
  }

  test('conv2d gradients and a 256x256 matmul agree with cpu (relative 1e-4)', async () => {
    const x = random(8 * 12 * 12 * 4);
    const f = random(3 * 3 * 4 * 16);
    const r = random(8 * 10 * 10 * 16);
    const a = random(256 * 256);
    await expectWasmMatchesCpu(() => {
      const loss = (p: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'valid'), tf.tensor4d(r, [8, 10, 10, 16])));
      const g = tf.grads(loss)([tf.tensor4d(x, [8, 12, 12, 4]), tf.tensor4d(f, [3, 3, 4, 16])]);
      const m = tf.tensor2d(a, [256, 256]);
      return [...g, tf.matMul(m, m, false, true)];
    });
  });

  // Tiefe's SIMD kernels on the threaded build: its heap is a shared memory, so the shared-memory variant of the
  // module is the one instantiated.
  test('pooling gradients, a leading-axis sum and a first-layer filter gradient match cpu on a shared heap', async () => {
    const heap = (tf.backend() as BackendWasm).wasm as unknown as { wasmMemory?: WebAssembly.Memory };
    expect(heap.wasmMemory?.buffer).toBeInstanceOf(SharedArrayBuffer);
    const x = random(4 * 12 * 12 * 8);
    const img = random(4 * 12 * 12);
    await expectWasmMatchesCpu(() => {
      const xs = tf.tensor4d(x, [4, 12, 12, 8]);
      const r = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 5);
      const maxGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), r)))(xs);
      const avgGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid'), r)))(xs);
      const dy = tf.randomNormal([4, 10, 10, 32], 0, 1, 'float32', 6);
      const dw = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: tf.tensor4d(img, [4, 12, 12, 1]), dy },
          { strides: 1, pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: 'floor', filterShape: [3, 3, 1, 32] },
        ) as tf.Tensor;
      return [maxGrad, avgGrad, tf.sum(xs, [0, 1, 2]), dw];
    });
  });

  test("Tiefe's kernels on a helper thread: filter gradients (im2col and the product in chunks of rows; Winograd) and a max-pool gradient in chunks of images, computed with the helper's chunks, match cpu", async () => {
    const backend = tf.backend() as BackendWasm;
    expect(helperThreads(backend)).toBe(2);
    // 64 patch rows (2x2x16) over 8*13*13 pixels into 32 channels: the product in chunks of 8 rows.
    const g = { k: [2, 2], strides: [1, 1], dilations: [1, 1], padTop: 0, padLeft: 0 } as ConvGeometry;
    expect(filterGradRoute([8, 14, 14, 16], [8, 13, 13, 32], g, 2)).toBe('simd');
    expect(filterGradRoute([8, 14, 14, 16], [8, 14, 14, 16], { ...g, k: [3, 3], padTop: 1, padLeft: 1 }, 2)).toBe(
      'winograd',
    );
    const x = random(8 * 14 * 14 * 16);
    const dy = random(8 * 13 * 13 * 32);
    const r = random(8 * 7 * 7 * 16);
    const gradients = () =>
      tf.tidy(() => {
        const xs = tf.tensor4d(x, [8, 14, 14, 16]);
        const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [2, 2, 16, 32] };
        const dys = tf.tensor4d(dy, [8, 13, 13, 32]);
        const dw = tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x: xs, dy: dys }, attrs as unknown as tf.NamedAttrMap);
        const rs = tf.tensor4d(r, [8, 7, 7, 16]);
        const maxGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), rs)))(xs);
        // A 3x3 'same' filter gradient by Winograd: both transforms in chunks, the 16 products split between threads.
        const sameAttrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 16, 16] };
        const winograd = tf
          .engine()
          .runKernel('Conv2DBackpropFilter', { x: xs, dy: xs }, sameAttrs as unknown as tf.NamedAttrMap);
        return [dw as tf.Tensor, maxGrad, winograd as tf.Tensor];
      });
    await tf.setBackend('cpu');
    const want = await Promise.all(gradients().map((t) => t.data()));
    await tf.setBackend('wasm');
    // The helper joins a job when it wakes before the caller has taken every chunk: compare a run it joined.
    let joined = false;
    for (let i = 0; i < 50 && !joined; i++) {
      const before = [helperChunks(backend), tf.memory().numTensors];
      const outs = gradients();
      joined = helperChunks(backend) > before[0];
      const got = outs.map((t) => t.dataSync());
      tf.dispose(outs);
      expect(tf.memory().numTensors).toBe(before[1]);
      if (!joined) continue;
      got.forEach((values, k) => {
        const scale = Math.max(...want[k].map(Math.abs));
        const worst = Math.max(...want[k].map((v, i) => Math.abs(v - values[i])));
        expect(worst, `output ${k}`).toBeLessThanOrEqual(1e-4 * (1 + scale));
      });
    }
    expect(joined, 'the helper took chunks').toBe(true);
  });

  test("the Winograd module on a shared heap: a 3x3 'same' fused conv with 32 channels and its input gradient", async () => {
    const x = random(2 * 8 * 8 * 32);
    const f = random(3 * 3 * 32 * 32);
    await expectWasmMatchesCpu(() => {
      const filter = tf.tensor4d(f, [3, 3, 32, 32]);
      const conv = (p: tf.Tensor) =>
        tf.fused.conv2d({ x: p as tf.Tensor4D, filter, strides: 1, pad: 'same', activation: 'relu' });
      const xs = tf.tensor4d(x, [2, 8, 8, 32]);
      return [conv(xs), tf.grad((p: tf.Tensor) => tf.sum(tf.square(conv(p))))(xs)];
    });
  });
});

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CORE = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/**
 * A fresh Node process (the thread count is fixed once per process) that starts wasm through initBackend with
 * `threads` (undefined: the default), trains a small CNN three steps from seeded weights and data and prints
 * the thread count, the losses and the trained weights. It ends by itself: no process.exit.
 */
function trainInChild(threads: number | undefined): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = `
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
const core = await import(${JSON.stringify(CORE)});
await core.initBackend({ prefer: ['wasm'], threads: ${threads === undefined ? 'undefined' : threads} });
core.seed(3);
const model = tfl.sequential({ layers: [
  tfl.layers.conv2d({ inputShape: [12, 12, 2], filters: 8, kernelSize: 3, activation: 'relu' }),
  tfl.layers.maxPooling2d({ poolSize: 2 }),
  tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
  tfl.layers.flatten(), tfl.layers.dense({ units: 3, activation: 'softmax' }) ] });
model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy' });
const x = tf.randomNormal([32, 12, 12, 2], 0, 1, 'float32', 1);
const y = tf.floor(tf.randomUniform([32], 0, 3, 'float32', 2));
const losses = [Number(await model.trainOnBatch(x, y))]; // the first step creates Adam's moments
const before = tf.memory().numTensors;
for (let i = 0; i < 2; i++) losses.push(Number(await model.trainOnBatch(x, y)));
const leaked = tf.memory().numTensors - before;
const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
console.log(JSON.stringify({ threads: getThreadsCount(), losses, leaked, weights }));
`;
  const env: NodeJS.ProcessEnv = { ...process.env, TIEFE_BACKEND: '' };
  delete env.TIEFE_WASM_THREADS;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--import', '@tiefe/core/register', '--input-type=module', '-e', program],
      { cwd: ROOT, env, timeout: 120_000, maxBuffer: 1 << 26 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('initBackend in Node: threads, the same results as one thread, the process ends by itself', () => {
  test('threads: 2 vs threads: 1, three Adam steps of a CNN agree to 1e-5; the default starts and exits too', async () => {
    const [one, two, auto] = [await trainInChild(1), await trainInChild(2), await trainInChild(undefined)];
    for (const r of [one, two, auto]) expect(r.code, r.stderr).toBe(0);
    type Out = { threads: number; losses: number[]; leaked: number; weights: number[][] };
    const [a, b, c] = [one, two, auto].map((r) => JSON.parse(r.stdout) as Out);
    expect(a.threads).toBe(1);
    expect(b.threads).toBe(2);
    // The default: the cores left idle by other work when wasm starts (busy here: any of 1..min(cores, 8)).
    expect(c.threads).toBeGreaterThanOrEqual(1);
    expect(c.threads).toBeLessThanOrEqual(Math.min(os.availableParallelism(), 8));
    for (const r of [a, b, c]) expect(r.leaked).toBe(0);
    for (const r of [b, c]) {
      for (let i = 0; i < a.losses.length; i++) expect(Math.abs(a.losses[i] - r.losses[i])).toBeLessThanOrEqual(1e-5);
      expect(r.weights.length).toBe(a.weights.length);
      a.weights.forEach((w, i) => {
        const worst = Math.max(...w.map((v, k) => Math.abs(v - r.weights[i][k])));
        expect(worst, `weight ${i}`).toBeLessThanOrEqual(1e-5);
      });
    }
  });

  test('the default thread count is the idle cores, at least 1, at most the cores and 8', () => {
    expect(defaultWasmThreads(2, 1.9)).toBe(2);
    expect(defaultWasmThreads(2, 1.4)).toBe(1);
    expect(defaultWasmThreads(2, 0)).toBe(1);
    expect(defaultWasmThreads(4, 3.6)).toBe(4);
    expect(defaultWasmThreads(4, 2.2)).toBe(2);
    expect(defaultWasmThreads(2, 60)).toBe(2); // a container that sees the host's idle CPUs
    expect(defaultWasmThreads(32, 32)).toBe(8);
  });
});
