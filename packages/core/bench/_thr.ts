import * as tf from '@tensorflow/tfjs-core';
import * as wasm from '@tensorflow/tfjs-backend-wasm';
import { configureWasmThreads } from '../src/backend/wasm/threads.js';
const setup = await configureWasmThreads(Number(process.env.THREADS ?? 2)); wasm.setThreadsCount(Number(process.env.THREADS ?? 2));
console.log(setup, await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'), await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), tf.env().getBool('IS_NODE'));
const t = setTimeout(() => { console.log('TIMEOUT: setBackend did not resolve in 20 s'); process.exit(2); }, 20000);
try { console.log('setBackend', await tf.setBackend('wasm')); } finally { setup.done(); }
clearTimeout(t);
console.log(tf.getBackend(), 'threads', wasm.getThreadsCount());
const a = tf.randomNormal([1024, 1024]);
for (let i = 0; i < 6; i++) { const t0 = performance.now(); const c = tf.matMul(a, a); await c.data(); console.log('1024 matmul ms', (performance.now() - t0).toFixed(1)); c.dispose(); }
a.dispose();
console.log('done; waiting for natural exit');
const m = (tf.backend() as any).wasm;
console.log('PThread', !!m.PThread, m.PThread && { unused: m.PThread.unusedWorkers.length, running: m.PThread.runningWorkers.length }, 'hasSAB', m.wasmMemory?.buffer?.constructor?.name);
