/**
 * The trainable wasm backend: reference-CNN training step time, matMul throughput, and tensors leaked per step.
 * Runs on every backend for comparison (the cpu backend is slow: it times fewer steps there).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const backends = ['wasm', 'cpu', 'webgpu'];

const BATCH = 64;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * A seeded batch shaped like MNIST (pixels in [0, 1), one-hot labels): a step's time does not depend on the
 * values, and core cannot read MNIST itself (its reader is in @tiefe/datasets, which depends on core).
 */
function digitLikeBatch(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([n, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D,
    y: tf.oneHot(tf.cast(tf.randomUniform([n], 0, 10, 'float32', 2), 'int32'), 10) as tf.Tensor2D,
  }));
}

/** conv 32 3x3 relu, maxpool 2, conv 64 3x3 relu, maxpool 2, flatten, dense 10 softmax; Adam, crossentropy. */
export function referenceCnn(): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 1] });
  let h = tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }).apply(input) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.maxPooling2d({ poolSize: 2 }).apply(h) as tfl.SymbolicTensor;
  h = tfl.layers.flatten().apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 10, activation: 'softmax' }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

async function trainingStep(backend: string): Promise<BenchRow[]> {
  const slow = backend === 'cpu';
  const warmup = slow ? 1 : 3;
  const timed = slow ? 3 : 15;
  const model = referenceCnn();
  const { x, y } = digitLikeBatch(BATCH);
  for (let i = 0; i < warmup; i++) await model.trainOnBatch(x, y);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  const tensors: number[] = [tf.memory().numTensors];
  for (let i = 0; i < timed; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await model.trainOnBatch(x, y); // reads the loss back, so the step has finished
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000);
    tensors.push(tf.memory().numTensors);
  }
  // Where a step's time goes, per kernel (wasm kernels run synchronously, so these are wall times). On a shared
  // machine single steps are disturbed by other processes: each kernel's least time over 5 profiled steps.
  const byKernel = new Map<string, number>();
  for (let i = 0; i < 5; i++) {
    const profile = await tf.profile(async () => {
      await model.trainOnBatch(x, y);
    });
    const step = new Map<string, number>();
    for (const k of profile.kernels) step.set(k.name, (step.get(k.name) ?? 0) + (k.kernelTimeMs as number));
    for (const [k, t] of step) byKernel.set(k, Math.min(byKernel.get(k) ?? Number.POSITIVE_INFINITY, t));
  }
  const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const kernelTotal = [...byKernel.values()].reduce((a, b) => a + b, 0);
  tf.dispose([x, y]);
  model.optimizer.dispose();
  model.dispose();
  const ms = median(times);
  const leaked = (tensors[tensors.length - 1] - tensors[0]) / timed;
  const rows: BenchRow[] = [
    {
      case: `reference CNN train step (batch ${BATCH})`,
      value: Number(ms.toFixed(1)),
      unit: 'ms/step',
      note: `median of ${timed} steps after ${warmup} warm-up; min ${Math.min(...times).toFixed(1)}`,
    },
    {
      // On a shared machine wall time includes waiting for a core; CPU time does not (all threads summed).
      case: `reference CNN train step CPU time (batch ${BATCH})`,
      value: Number(median(cpuTimes).toFixed(1)),
      unit: 'CPU ms/step',
      note: 'process CPU time (user + system) per step, all threads',
    },
    {
      case: 'tensors leaked per training step',
      value: leaked,
      unit: 'tensors',
      target: '0',
      pass: leaked === 0,
    },
    {
      case: 'step time by kernel (least of 5 profiled steps, summed)',
      value: Number(kernelTotal.toFixed(1)),
      unit: 'ms in kernels',
      note: top.map(([k, t]) => `${k} ${t.toFixed(1)}`).join(', '),
    },
  ];
  if (backend === 'wasm') {
    rows[0].target = '<= 60 ms (3x PyTorch CPU ~20 ms)';
    rows[0].pass = ms <= 60;
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    rows[0].note += `; ${wasm.getThreadsCount()} wasm thread(s)`;
  }
  return rows;
}

async function matMulRate(n: number): Promise<BenchRow> {
  const a = tf.randomNormal([n, n]);
  const b = tf.randomNormal([n, n]);
  const runs = n >= 1024 ? 7 : 15;
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    if (i >= 2) times.push(performance.now() - t0);
    c.dispose();
  }
  tf.dispose([a, b]);
  const gflops = (2 * n * n * n) / (median(times) * 1e6);
  return {
    case: `matMul ${n}x${n}`,
    value: Number(gflops.toFixed(2)),
    unit: 'GFLOP/s',
    note: `median of ${runs}, result read back`,
  };
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const rows = await trainingStep(backend);
  rows.push(await matMulRate(512));
  if (backend !== 'cpu') rows.push(await matMulRate(1024));
  return rows;
}
