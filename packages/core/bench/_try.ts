import { registerWasmTrainingKernels } from '../src/backend/wasm/registerTrainingKernels.js';
import { configureWasmThreads } from '../src/backend/wasm/threads.js';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
const b = process.argv[2] ?? 'wasm';
if (b === 'wasm') {
  const setup = await configureWasmThreads(Number(process.env.THREADS ?? 1));
  registerWasmTrainingKernels();
  try { await tf.setBackend('wasm'); } finally { setup.done(); }
} else await tf.setBackend(b);
const mod = await import('./wasm.bench.js');
const rows = await mod.default(b);
for (const r of rows) console.log(r.case.padEnd(48), String(r.value).padStart(8), r.unit, r.note ?? '');
