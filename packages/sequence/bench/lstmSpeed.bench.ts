/**
 * The LSTM speed table: forward + backward (gradients of mean(h^2) over every step with respect to the input
 * and the three weights) of batch 64, 100 steps, 32 inputs, 128 units, returning sequences. tfjs-layers'
 * `LSTM` (sigmoid gates) against {@link FusedLSTM} on the same backend, and on the wasm run also PyTorch's
 * `nn.LSTM` on the CPU with 2 threads and with 1 (Debian's python3-torch; its matmuls run in the system BLAS,
 * OpenBLAS here), in the same run. Median of 5 timed
 * iterations after 2 warm-ups (1 after 1 on a software WebGPU adapter, where one iteration takes seconds).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fusedLstm } from '@tiefe/sequence';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const backends = ['webgpu', 'wasm'];

const [B, T, F, U] = [64, 100, 32, 128];

async function timeIt(run: () => Promise<void>, warm: number, iterations: number): Promise<number> {
  for (let i = 0; i < warm; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function pytorch(threads: number): { ms: number; note: string } {
  const script = fileURLToPath(new URL('./pytorch_lstm.py', import.meta.url));
  // Debian's torch does its matmuls in the system BLAS (BLAS_INFO=generic): OpenBLAS's own thread pool is
  // sized to the same count, else it spawns one thread per core on top of torch's.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, [script, String(threads)], { encoding: 'utf8', timeout: 600_000, env });
    const line = run.stdout?.trim().split('\n').pop();
    if (run.status === 0 && line?.startsWith('{')) {
      const r = JSON.parse(line);
      return { ms: r.ms, note: `torch ${r.torch}, ${r.threads} thread(s), median of 15` };
    }
  }
  return { ms: Number.NaN, note: 'not measured: no python3 with torch (apt-get install python3-torch)' };
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const software =
    backend === 'webgpu' &&
    /lavapipe|llvmpipe|swiftshader/i.test(
      JSON.stringify((tf.backend() as unknown as { adapterInfo?: unknown }).adapterInfo ?? ''),
    );
  const [warm, iterations] = backend === 'webgpu' ? [1, software ? 1 : 3] : [2, 5];
  const x = tf.randomNormal([B, T, F], 0, 1, 'float32', 1);
  const input = tfl.input({ shape: [T, F] });
  const ref = tfl.model({
    inputs: input,
    outputs: tfl.layers
      .lstm({ units: U, returnSequences: true, recurrentActivation: 'sigmoid' })
      .apply(input) as tfl.SymbolicTensor,
  });
  const input2 = tfl.input({ shape: [T, F] });
  const fused = tfl.model({
    inputs: input2,
    outputs: fusedLstm({ units: U, returnSequences: true }).apply(input2) as tfl.SymbolicTensor,
  });
  fused.setWeights(ref.getWeights());
  const stepAll = (m: tfl.LayersModel) => async () => {
    const vars = m.trainableWeights.map((v) => v.read() as tf.Variable);
    const gs = tf.grads((xi: tf.Tensor, ..._w: tf.Tensor[]) => tf.mean(tf.square(m.apply(xi) as tf.Tensor)))([
      x,
      ...vars,
    ]);
    for (const g of gs) await g.data();
    tf.dispose(gs);
  };
  const layersMs = await timeIt(stepAll(ref), warm, iterations);
  const fusedMs = await timeIt(stepAll(fused), warm, iterations);
  const rows: BenchRow[] = [
    {
      case: 'LSTM fwd+bwd (B64 T100 F32 U128): tfjs-layers LSTM',
      value: layersMs,
      unit: 'ms',
      note: `median of ${iterations}`,
    },
    {
      case: 'LSTM fwd+bwd (B64 T100 F32 U128): FusedLSTM',
      value: fusedMs,
      unit: 'ms',
      note: `median of ${iterations}`,
    },
    {
      case: 'LSTM fwd+bwd: speed-up of FusedLSTM over tfjs-layers LSTM',
      value: layersMs / fusedMs,
      unit: 'x',
      target: '>= 3x',
      pass: layersMs / fusedMs >= 3,
    },
  ];
  if (backend === 'wasm') {
    const peers = [2, 1].map((threads) => ({ threads, ...pytorch(threads) }));
    for (const p of peers) {
      rows.push({
        case: `LSTM fwd+bwd (B64 T100 F32 U128): PyTorch nn.LSTM CPU, ${p.threads} thread(s)`,
        value: p.ms,
        unit: 'ms',
        note: p.note,
      });
    }
    // Against the faster of the two: on 2 shared, busy cores, 2 BLAS threads can thrash and be far slower.
    const best = peers.filter((p) => Number.isFinite(p.ms)).sort((a, b) => a.ms - b.ms)[0];
    rows.push({
      case: 'LSTM fwd+bwd: FusedLSTM (wasm) time / PyTorch time (its faster thread count)',
      value: best ? fusedMs / best.ms : Number.NaN,
      unit: 'x',
      target: '<= 3x',
      pass: best ? fusedMs / best.ms <= 3 : false,
      note: best ? `PyTorch with ${best.threads} thread(s)` : 'PyTorch not measured',
    });
  }
  tf.dispose(x);
  ref.dispose();
  fused.dispose();
  return rows;
}
