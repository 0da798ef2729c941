/**
 * Backends: what the browser's WebGPU adapter says about itself, and a speed probe (a 256x256 matMul and a 3x3
 * conv2d on a 64x64x16 batch) on each backend that starts here: webgpu, wasm, cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { barChart } from '@tiefe/charts';
import { type BackendName, initBackend } from '@tiefe/core';
import { button, liveChart, panel, row } from '../ui/dom.js';
import { type PageContext, startPage, task, WASM_URL } from '../ui/page.js';

/** One probe's result: milliseconds per call (median of `reps`) and the rate it gives. */
export interface ProbeResult {
  backend: BackendName;
  op: 'matMul' | 'conv2d';
  ms: number;
  gflops: number;
}

const MATMUL = 256;
const CONV = { batch: 4, size: 64, channels: 16 };

/** Median time of `fn` (which returns a tensor, read back each time), after one warm-up call. */
async function time(fn: () => tf.Tensor, reps: number): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const y = fn();
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  await once();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push(await once());
  ms.sort((a, b) => a - b);
  return ms[Math.floor(ms.length / 2)];
}

async function probe(backend: BackendName, reps: number): Promise<ProbeResult[]> {
  const a = tf.randomNormal([MATMUL, MATMUL]);
  const b = tf.randomNormal([MATMUL, MATMUL]);
  const x = tf.randomNormal([CONV.batch, CONV.size, CONV.size, CONV.channels]) as tf.Tensor4D;
  const k = tf.randomNormal([3, 3, CONV.channels, CONV.channels]) as tf.Tensor4D;
  try {
    const mm = await time(() => tf.matMul(a, b), reps);
    const conv = await time(() => tf.conv2d(x, k, 1, 'same'), reps);
    const convFlops = 2 * CONV.batch * CONV.size * CONV.size * CONV.channels * CONV.channels * 9;
    return [
      { backend, op: 'matMul', ms: mm, gflops: (2 * MATMUL ** 3) / mm / 1e6 },
      { backend, op: 'conv2d', ms: conv, gflops: convFlops / conv / 1e6 },
    ];
  } finally {
    tf.dispose([a, b, x, k]);
  }
}

async function adapterInfo(): Promise<Record<string, unknown>> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { webgpu: 'navigator.gpu is missing: this browser has no WebGPU' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { webgpu: 'navigator.gpu.requestAdapter() found no adapter' };
  const info = adapter.info;
  const limits = adapter.limits;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    features: [...adapter.features].sort().join(', '),
    maxBufferSize: limits.maxBufferSize,
    maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  };
}

async function mount({ app, report, progress, param }: PageContext): Promise<void> {
  const reps = param('steps', 10);
  const info = await adapterInfo();
  report.numbers.adapter = info;
  const controls = row(app);
  const top = row(app);
  const infoBox = panel(top, 'WebGPU adapter');
  const pre = document.createElement('pre');
  pre.id = 'adapter';
  pre.style.maxWidth = '30rem';
  pre.textContent = JSON.stringify(info, null, 2);
  infoBox.append(pre);
  const charts = top;
  const spec = (results: ProbeResult[], op: ProbeResult['op']) =>
    barChart({
      title: `${op}: ${op === 'matMul' ? `${MATMUL}x${MATMUL}` : `${CONV.batch}x${CONV.size}x${CONV.size}x${CONV.channels}, 3x3`}`,
      x: { title: 'backend' },
      y: { title: 'GFLOP/s (median)' },
      bars: results.filter((r) => r.op === op).map((r) => ({ label: r.backend, value: Number(r.gflops.toFixed(2)) })),
      height: 160,
    });
  const empty: ProbeResult[] = [{ backend: 'cpu', op: 'matMul', ms: 0, gflops: 0 }];
  const mmChart = liveChart(panel(charts, 'matMul'), 'matmul-chart', spec(empty, 'matMul'));
  const convChart = liveChart(panel(charts, 'conv2d'), 'conv-chart', spec([{ ...empty[0], op: 'conv2d' }], 'conv2d'));
  const table = document.createElement('pre');
  table.id = 'probe-table';
  app.append(table);
  const results: ProbeResult[] = [];
  report.numbers.probes = results;
  const start = task(report, async () => {
    results.length = 0;
    const original = tf.getBackend() as BackendName;
    const backends: BackendName[] = ['webgpu', 'wasm', 'cpu'];
    const skipped: string[] = [];
    try {
      return await progress.run('probing', backends.length, async (i) => {
        const name = backends[i];
        try {
          await initBackend({ prefer: [name], wasmPaths: WASM_URL });
        } catch (e) {
          skipped.push(`${name}: ${(e as Error).message}`);
          return;
        }
        results.push(...(await probe(name, reps)));
        table.textContent = [
          ...results.map(
            (r) => `${r.backend.padEnd(7)} ${r.op.padEnd(7)} ${r.ms.toFixed(2)} ms  ${r.gflops.toFixed(2)} GFLOP/s`,
          ),
          ...skipped,
        ].join('\n');
        await mmChart.update(spec(results, 'matMul'));
        await convChart.update(spec(results, 'conv2d'));
      });
    } finally {
      await initBackend({ prefer: [original], wasmPaths: WASM_URL });
    }
  });
  button(controls, 'start', 'Run the probe', start);
}

startPage('backend', mount);
