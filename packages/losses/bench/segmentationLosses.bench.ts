/**
 * Each segmentation loss with its gradient (value and d loss / d logits) on a batch of two Cityscapes-sized
 * label maps: 2 x 256 x 256 pixels, 19 classes (binary losses: one channel). Times include reading the loss value
 * back. One warm-up and one timed iteration on cpu and on software WebGPU adapters (slow at this size), three
 * timed iterations elsewhere. A time budget (TIEFE_LOSSES_BENCH_BUDGET_S, default 150 s per backend, so that the
 * whole `npm run bench` fits in 30 minutes) stops before the next loss once spent; the losses left out are listed
 * in a row's note. Progress goes to stderr.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  diceLoss,
  focalLoss,
  focalTverskyLoss,
  generalizedDiceLoss,
  hausdorffDTLoss,
  hausdorffDTWeights,
  jaccardLoss,
  lovaszHingeLoss,
  lovaszSoftmaxLoss,
  tverskyLoss,
} from '@tiefe/losses';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'speed';

export const backends = ['webgpu', 'wasm', 'cpu'];

const N = 2;
const H = 256;
const W = 256;
const C = 19;

type Loss = (y: tf.Tensor, x: tf.Tensor, w?: tf.Tensor) => tf.Scalar;

async function time(run: () => Promise<void>, iterations: number): Promise<number> {
  await run(); // warm-up: shader compilation, kernel caches
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const adapter = backend === 'webgpu' ? await describeAdapter() : '';
  const software = /lavapipe|llvmpipe|swiftshader/i.test(adapter);
  const iterations = backend === 'cpu' || software ? 1 : 3;
  const budgetMs = 1000 * Number(process.env.TIEFE_LOSSES_BENCH_BUDGET_S ?? 150);
  const start = performance.now();
  const skipped: string[] = [];
  const logits = tf.randomNormal([N, H, W, C], 0, 2, 'float32', 1);
  const ids = tf.tidy(() => tf.cast(tf.floor(tf.randomUniform([N, H, W], 0, C, 'float32', 2)), 'int32'));
  const binLogits = tf.randomNormal([N, H, W, 1], 0, 2, 'float32', 3);
  const mask = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([N, H, W, 1], 0, 1, 'float32', 4), 0.5), 'float32'));
  const multiclass: Array<[string, Loss]> = [
    ['diceLoss', diceLoss({ fromLogits: true })],
    ['generalizedDiceLoss', generalizedDiceLoss({ fromLogits: true })],
    ['jaccardLoss', jaccardLoss({ fromLogits: true })],
    ['tverskyLoss', tverskyLoss({ fromLogits: true, alpha: 0.3, beta: 0.7 })],
    ['focalTverskyLoss', focalTverskyLoss({ fromLogits: true })],
    ['focalLoss', focalLoss({ fromLogits: true })],
    ['hausdorffDTLoss', hausdorffDTLoss({ fromLogits: true })],
  ];
  // The slowest (a full sort of every pixel's error) runs last, so that a spent budget leaves out only it.
  const slowest: Array<[string, Loss]> = [['lovaszSoftmaxLoss', lovaszSoftmaxLoss({ fromLogits: true })]];
  const binary: Array<[string, Loss]> = [['lovaszHingeLoss', lovaszHingeLoss()]];
  const rows: BenchRow[] = [];
  const measure = async (name: string, f: Loss, y: tf.Tensor, x: tf.Tensor, shape: string) => {
    if (performance.now() - start > budgetMs) {
      skipped.push(name);
      return;
    }
    const hd = name === 'hausdorffDTLoss';
    const ms = await time(async () => {
      // The distance transforms run on CPU arrays; read asynchronously so that every backend can run it.
      const w = hd ? await hausdorffDTWeights(y, x, { fromLogits: true }) : undefined;
      const { value, grads } = tf.valueAndGrads((v: tf.Tensor) => f(y, v, w))([x]);
      await value.data();
      await grads[0].data();
      tf.dispose([value, grads[0], w]);
    }, iterations);
    process.stderr.write(`losses bench ${backend}: ${name} ${ms.toFixed(0)} ms\n`);
    rows.push({
      case: `${name} value + gradient, ${shape}`,
      value: Math.round(ms * 10) / 10,
      unit: 'ms/iter',
      note:
        `median of ${iterations} after 1 warm-up${hd ? '; includes the exact distance transforms on CPU' : ''}` +
        (adapter ? `; adapter ${adapter}` : ''),
    });
  };
  for (const [name, f] of multiclass) await measure(name, f, ids, logits, `${N}x${H}x${W}x${C}`);
  for (const [name, f] of binary) await measure(name, f, mask, binLogits, `${N}x${H}x${W}x1`);
  for (const [name, f] of slowest) await measure(name, f, ids, logits, `${N}x${H}x${W}x${C}`);
  tf.dispose([logits, ids, binLogits, mask]);
  if (skipped.length > 0) {
    rows.push({
      case: 'losses not measured (time budget spent)',
      value: skipped.length,
      unit: 'losses',
      note: `${skipped.join(', ')}; budget ${budgetMs / 1000} s (TIEFE_LOSSES_BENCH_BUDGET_S)`,
    });
  }
  return rows;
}

/** The WebGPU adapter's description, to tell a software rasteriser (lavapipe) from a GPU. */
async function describeAdapter(): Promise<string> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  const adapter = await gpu?.requestAdapter();
  const info = adapter?.info;
  return info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : '';
}
