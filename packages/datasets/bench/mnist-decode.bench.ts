/**
 * Decoding the 10,000 real MNIST test digits (gzipped IDX) into a float32 tensor, and the memory it takes
 * beyond the tensor itself. Targets from issue 3: under 300 ms, peak extra memory under 3x the tensor.
 */
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { loadMnist, readIdx } from '@tiefe/datasets';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'speed';

export const backends = ['cpu'];

const MNIST_DIR = fileURLToPath(new URL('../../../../shared/data/mnist', import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const { readFile } = await import('node:fs/promises');

  // Warm-up (module loading, JIT), then timed runs.
  tf.dispose(Object.values(await loadMnist({ dir: MNIST_DIR, split: 'test' })).filter((v) => v instanceof tf.Tensor));
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    const d = await loadMnist({ dir: MNIST_DIR, split: 'test' });
    times.push(performance.now() - t0);
    tf.dispose([d.images, d.labels]);
  }
  const gz = new Uint8Array(await readFile(`${MNIST_DIR}/t10k-images-idx3-ubyte.gz`));
  const parseTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    readIdx(gz);
    parseTimes.push(performance.now() - t0);
  }

  // Memory: ArrayBuffer bytes allocated by one load and not yet collected right after it returns (the
  // gzipped and inflated files, the label bytes, the float32 pixels) minus the tensor's own bytes.
  // V8 frees ArrayBuffer backing stores on a background sweeper after a GC: collect and wait a few times, or
  // garbage from the timed runs is still counted in `base` and freed during the measured call (negative extra).
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await settle();
  const base = process.memoryUsage().arrayBuffers;
  const d = await loadMnist({ dir: MNIST_DIR, split: 'test' });
  const after = process.memoryUsage().arrayBuffers;
  const tensorBytes = d.images.size * 4 + d.labels.size * 4;
  const extra = after - base - tensorBytes;
  await settle();
  const retained = process.memoryUsage().arrayBuffers - base;
  tf.dispose([d.images, d.labels]);

  const ms = median(times);
  return [
    {
      case: 'loadMnist: 10,000 test digits -> float32 [10000,28,28,1] (read + gunzip + parse + scale)',
      value: ms,
      unit: 'ms (median of 7)',
      target: '< 300 ms',
      pass: ms < 300,
      note: `backend ${backend}; min ${Math.min(...times).toFixed(1)} ms`,
    },
    {
      case: 'readIdx: gunzip + parse of t10k-images (1.6 MB gz -> 7.8 MB)',
      value: median(parseTimes),
      unit: 'ms (median of 7)',
    },
    {
      case: 'peak extra memory of loadMnist / tensor size',
      value: extra / tensorBytes,
      unit: 'x',
      target: '< 3x',
      pass: extra / tensorBytes < 3,
      note: `tensors ${(tensorBytes / 1e6).toFixed(1)} MB; extra ${(extra / 1e6).toFixed(1)} MB (ArrayBuffers alive right after the call, before GC); retained after GC ${(retained / 1e6).toFixed(1)} MB`,
    },
  ];
}
