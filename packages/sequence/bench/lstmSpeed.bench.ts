/**
 * The recurrent speed table: forward + backward (gradients of mean(h^2) over every step with respect to the
 * input and the three weights) of batch 64, 100 steps, 32 inputs, 128 units, returning sequences.
 * tfjs-layers' `LSTM` / `GRU` (sigmoid gates) against {@link FusedLSTM} / {@link FusedGRU} on the same backend,
 * and on the wasm run also PyTorch's `nn.LSTM` / `nn.GRU` on the CPU with 2 threads and with 1 (Debian's
 * python3-torch; its matmuls run in the system BLAS, OpenBLAS here), in the same run. Each pair is timed in
 * alternation (tfjs, fused, tfjs, fused, ...) so that load from other processes slows both alike; medians of
 * 5 after 2 warm-ups (1 after 1 on a software WebGPU adapter, where one iteration takes seconds).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fusedGru, fusedLstm } from '@tiefe/sequence';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'speed';

export const backends = ['webgpu', 'wasm'];

const [B, T, F, U] = [64, 100, 32, 128];
const SHAPE = `B${B} T${T} F${F} U${U}`;

/** Median times of `a` and `b`, run in alternation. */
async function timePair(
  a: () => Promise<void>,
  b: () => Promise<void>,
  warm: number,
  iterations: number,
): Promise<[number, number]> {
  for (let i = 0; i < warm; i++) {
    await a();
    await b();
  }
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < iterations; i++) {
    for (const [k, run] of [a, b].entries()) {
      const t0 = performance.now();
      await run();
      times[k].push(performance.now() - t0);
    }
  }
  const median = (xs: number[]) => xs.sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  return [median(times[0]), median(times[1])];
}

interface Peer {
  threads: number;
  lstm: number;
  gru: number;
  note: string;
}

function pytorch(threads: number): Peer {
  const script = fileURLToPath(new URL('./pytorch_lstm.py', import.meta.url));
  // Debian's torch does its matmuls in the system BLAS (BLAS_INFO=generic): OpenBLAS's own thread pool is
  // sized to the same count, else it spawns one thread per core on top of torch's.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  for (const python of ['/usr/bin/python3', 'python3']) {
    const run = spawnSync(python, [script, String(threads)], { encoding: 'utf8', timeout: 600_000, env });
    const line = run.stdout?.trim().split('\n').pop();
    if (run.status === 0 && line?.startsWith('{')) {
      const r = JSON.parse(line);
      return {
        threads,
        lstm: r.lstm_ms,
        gru: r.gru_ms,
        note: `torch ${r.torch}, ${r.threads} thread(s), median of ${r.samples}`,
      };
    }
  }
  const note = 'not measured: no python3 with torch (apt-get install python3-torch)';
  return { threads, lstm: Number.NaN, gru: Number.NaN, note };
}

function model(layer: tfl.layers.Layer): tfl.LayersModel {
  const input = tfl.input({ shape: [T, F] });
  return tfl.model({ inputs: input, outputs: layer.apply(input) as tfl.SymbolicTensor });
}

export default async function bench(backend: string): Promise<BenchRow[]> {
  const software =
    backend === 'webgpu' &&
    /lavapipe|llvmpipe|swiftshader/i.test(
      JSON.stringify((tf.backend() as unknown as { adapterInfo?: unknown }).adapterInfo ?? ''),
    );
  const [warm, iterations] = backend === 'webgpu' ? [1, software ? 1 : 3] : [2, 5];
  const x = tf.randomNormal([B, T, F], 0, 1, 'float32', 1);
  const stepAll = (m: tfl.LayersModel) => async () => {
    const vars = m.trainableWeights.map((v) => v.read() as tf.Variable);
    const gs = tf.grads((xi: tf.Tensor, ..._w: tf.Tensor[]) => tf.mean(tf.square(m.apply(xi) as tf.Tensor)))([
      x,
      ...vars,
    ]);
    for (const g of gs) await g.data();
    tf.dispose(gs);
  };
  const rows: BenchRow[] = [];
  const times: Record<string, number> = {};
  const cells = [
    ['LSTM', tfl.layers.lstm, fusedLstm, 'FusedLSTM'],
    ['GRU', tfl.layers.gru, fusedGru, 'FusedGRU'],
  ] as const;
  for (const [cell, layers, fused, fusedName] of cells) {
    const args = { units: U, returnSequences: true };
    const ref = model(layers({ ...args, recurrentActivation: 'sigmoid' }));
    const mine = model(fused(args));
    mine.setWeights(ref.getWeights());
    const [refMs, fusedMs] = await timePair(stepAll(ref), stepAll(mine), warm, iterations);
    times[cell] = fusedMs;
    const note = `median of ${iterations}, timed in alternation`;
    rows.push(
      { case: `${cell} fwd+bwd (${SHAPE}): tfjs-layers ${cell}`, value: refMs, unit: 'ms', note },
      { case: `${cell} fwd+bwd (${SHAPE}): ${fusedName}`, value: fusedMs, unit: 'ms', note },
      {
        case: `${cell} fwd+bwd: speed-up of ${fusedName} over tfjs-layers ${cell}`,
        value: refMs / fusedMs,
        unit: 'x',
        target: '>= 3x',
        pass: refMs / fusedMs >= 3,
      },
    );
    ref.dispose();
    mine.dispose();
  }
  if (backend === 'wasm') {
    const peers = [2, 1].map(pytorch);
    for (const [cell, , , fusedName] of cells) {
      const key = cell === 'LSTM' ? 'lstm' : 'gru';
      for (const p of peers) {
        rows.push({
          case: `${cell} fwd+bwd (${SHAPE}): PyTorch nn.${cell} CPU, ${p.threads} thread(s)`,
          value: p[key],
          unit: 'ms',
          note: p.note,
        });
      }
      // Against the faster of the two: on 2 shared, busy cores, 2 BLAS threads can thrash and be far slower.
      const best = peers.filter((p) => Number.isFinite(p[key])).sort((a, b) => a[key] - b[key])[0];
      rows.push({
        case: `${cell} fwd+bwd: ${fusedName} (wasm) time / PyTorch time (its faster thread count)`,
        value: best ? times[cell] / best[key] : Number.NaN,
        unit: 'x',
        target: '<= 3x',
        pass: best ? times[cell] / best[key] <= 3 : false,
        note: best ? `PyTorch with ${best.threads} thread(s)` : 'PyTorch not measured',
      });
    }
  }
  tf.dispose(x);
  return rows;
}
