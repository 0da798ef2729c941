import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { heapMemory, instantiate, SIMD_MODULES, type SimdModule } from './simdKernels.js';

// Tiefe's SIMD kernels on more than one core. XNNPACK's products run on its own pool (the pthreads of tfjs's
// threaded build), but each Tiefe kernel ran on the calling thread alone while the other cores idled, and
// XNNPACK packs a new second operand of a product single threaded, at ~4-13 ns an element. Helper threads here
// instantiate Tiefe's modules (assembly/*.ts) on the same shared heap; a kernel split in chunks (rows of a
// product, images of a batch) is taken chunk by chunk by the calling thread and the helpers together. Only with
// the threaded build's shared memory; elsewhere the calling thread does all.

/** Slots of the control block shared with the helpers (one Int32Array). */
const SEQ = 0; // job number, bumped (and notified) to post a job
const FN = 1; // the kernel, by its number in Helpers.kernels
const COUNT = 2; // units of work (rows, images)
const CHUNK = 3; // units per chunk
const NEXT = 4; // next chunk to take (atomic counter)
const ACTIVE = 5; // helpers inside the current job
const CLOSED = 6; // the last job whose chunks are all taken: a helper waking for it takes none
const FAILED = 7; // set by a helper whose kernel threw
const COUNT_ARG = 8; // which argument is the chunk's unit count
const MOVES = 9; // 3 pairs: an argument (a byte offset, -1: none) and the bytes it moves per unit
const NARGS = 15;
const HELPED = 16; // chunks the helpers have taken, all jobs together
const ARGS = 17; // the kernel's arguments for the whole job
const SLOTS = ARGS + 24;

/**
 * The helpers' code (plain JavaScript, run as a worker's script). Each waits for a job number, joins the job
 * (ACTIVE) unless the caller closed it already, takes chunks until none is left, and leaves. The caller never
 * waits for a helper that has not joined, so a helper still starting, or descheduled, costs nothing.
 */
const HELPER_SOURCE = `
const run = ({ memory, modules, kernels: named, control }) => {
  const instances = modules.map((bytes) => new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }));
  const kernels = named.map(([module, name]) => instances[module].exports[name]);
  const c = new Int32Array(control);
  let seen = Atomics.load(c, ${SEQ});
  for (;;) {
    Atomics.wait(c, ${SEQ}, seen);
    seen = Atomics.load(c, ${SEQ});
    Atomics.add(c, ${ACTIVE}, 1);
    try {
      if (Atomics.load(c, ${CLOSED}) !== seen) {
        const kernel = kernels[c[${FN}]];
        const count = c[${COUNT}], chunk = c[${CHUNK}], unitArg = c[${COUNT_ARG}];
        const moves = [0, 2, 4].map((i) => [c[${MOVES} + i], c[${MOVES} + i + 1]]).filter(([arg]) => arg >= 0);
        const args = Array.from(c.subarray(${ARGS}, ${ARGS} + c[${NARGS}]));
        for (let u; (u = Atomics.add(c, ${NEXT}, 1) * chunk) < count; ) {
          const part = args.slice();
          part[unitArg] = Math.min(chunk, count - u);
          for (const [arg, step] of moves) part[arg] += u * step;
          kernel(...part);
          Atomics.add(c, ${HELPED}, 1);
        }
      }
    } catch (e) {
      Atomics.store(c, ${FAILED}, 1);
    } finally {
      Atomics.sub(c, ${ACTIVE}, 1);
    }
  }
};`;

/**
 * The helpers of one backend memory: their control block, how many threads work with them, and the number by
 * which a job names each kernel (the helpers get the same list: [module index in SIMD_MODULES, export name]).
 */
interface Helpers {
  control: Int32Array;
  threads: number;
  kernels: Map<SimdModule, Map<string, number>>;
}
const helpersByMemory = new WeakMap<WebAssembly.Memory, Helpers>();

/** Node's `worker_threads.Worker`, as far as the helpers use it. */
export type NodeWorker = new (script: URL, options: { workerData: unknown }) => { unref(): void };

/**
 * Node: starts `count` helper threads for Tiefe's SIMD kernels on `backend`'s heap (tfjs's threaded build, whose
 * memory is shared), unref'd so that they never keep the process alive. Nothing when the memory is not shared or
 * `count` is below 1, or when helpers run already.
 */
export function startHelperThreads(backend: BackendWasm, count: number, Worker: NodeWorker): void {
  const memory = heapMemory(backend);
  if (count < 1 || !(memory.buffer instanceof SharedArrayBuffer) || helpersByMemory.has(memory)) return;
  const control = new SharedArrayBuffer(SLOTS * 4);
  const modules = SIMD_MODULES.map((m) => Uint8Array.from(atob(m.shared), (c) => c.charCodeAt(0)));
  const named = SIMD_MODULES.flatMap((m, i) =>
    Object.entries(instantiate<Record<string, unknown>>(backend, m))
      .filter(([, f]) => typeof f === 'function')
      .map(([name]) => [i, name] as const),
  );
  const kernels = new Map(SIMD_MODULES.map((m) => [m, new Map<string, number>()]));
  for (const [k, [i, name]] of named.entries()) kernels.get(SIMD_MODULES[i])?.set(name, k);
  // An ES module in a data: URL, whatever the process's module defaults. The specifier is spliced in: this file
  // bundles for browsers too, where an import of node:worker_threads in its text would be followed.
  const source = `import{workerData}from${JSON.stringify('node:worker_threads')};${HELPER_SOURCE}\nrun(workerData);`;
  const script = new URL(`data:text/javascript,${encodeURIComponent(source)}`);
  const workerData = { memory, modules, kernels: named, control };
  for (let i = 0; i < count; i++) new Worker(script, { workerData }).unref();
  helpersByMemory.set(memory, { control: new Int32Array(control), threads: count + 1, kernels });
}

/** Threads that {@link inChunks} runs a kernel on for `backend`: 1, or 1 + its helpers. */
export function helperThreads(backend: BackendWasm): number {
  return helpersByMemory.get(heapMemory(backend))?.threads ?? 1;
}

/** Chunks of kernels the helper threads of `backend` have taken so far (0 without helpers). */
export function helperChunks(backend: BackendWasm): number {
  const helpers = helpersByMemory.get(heapMemory(backend));
  return helpers ? Atomics.load(helpers.control, HELPED) : 0;
}

/** How {@link inChunks} splits a kernel's work. */
export interface Chunks {
  /** The argument that counts units of work (rows of a product, images of a batch). */
  count: number;
  /** The arguments (byte offsets) that move with the first unit of a chunk, and their bytes per unit. */
  moves: Array<[arg: number, bytesPerUnit: number]>;
  /** Units per chunk are a multiple of this (a product's row block: 4). Default 1. */
  multiple?: number;
}

/**
 * Runs kernel `name` of `module` on `backend`'s heap with `args`, split in chunks of units ({@link Chunks}; with
 * none, in one call on the calling thread) that the calling thread and the helper threads (when they run) take
 * until none is left; returns once every helper that joined has finished its chunk. Each chunk must be an independent call: the kernel's outputs for different
 * units must not overlap. Integer arguments only (they travel to the helpers as 32-bit integers).
 */
export function inChunks(
  backend: BackendWasm,
  module: SimdModule,
  name: string,
  args: number[],
  chunks: Chunks | undefined,
): void {
  if (!args.every(Number.isInteger)) throw new Error(`tiefe wasm: ${name} in chunks takes integer arguments only`);
  const exports = instantiate<Record<string, (...a: number[]) => void>>(backend, module);
  const kernel = exports[name];
  const helpers = helpersByMemory.get(heapMemory(backend));
  const count = chunks ? args[chunks.count] : 0;
  const multiple = chunks?.multiple ?? 1;
  if (!helpers || !chunks || count < 2 * multiple) {
    kernel(...args);
    return;
  }
  const c = helpers.control;
  // About 4 chunks a thread: a late helper leaves little for the caller to wait on at the end.
  const chunk = Math.max(multiple, Math.ceil(count / (4 * helpers.threads) / multiple) * multiple);
  const number = helpers.kernels.get(module)?.get(name);
  if (number === undefined) throw new Error(`tiefe wasm: no kernel ${name}`);
  c[FN] = number;
  c[COUNT] = count;
  c[CHUNK] = chunk;
  c[NEXT] = 0;
  c[COUNT_ARG] = chunks.count;
  for (let i = 0; i < 3; i++) {
    c[MOVES + 2 * i] = chunks.moves[i]?.[0] ?? -1;
    c[MOVES + 2 * i + 1] = chunks.moves[i]?.[1] ?? 0;
  }
  c[NARGS] = args.length;
  c.set(args, ARGS);
  const seq = Atomics.add(c, SEQ, 1) + 1;
  Atomics.notify(c, SEQ);
  for (let u = Atomics.add(c, NEXT, 1) * chunk; u < count; u = Atomics.add(c, NEXT, 1) * chunk) {
    const part = args.slice();
    part[chunks.count] = Math.min(chunk, count - u);
    for (const [arg, step] of chunks.moves) part[arg] += u * step;
    kernel(...part);
  }
  Atomics.store(c, CLOSED, seq);
  // The helpers that joined finish their last chunk (browsers forbid Atomics.wait on a page's main thread).
  while (Atomics.load(c, ACTIVE) !== 0);
  if (Atomics.exchange(c, FAILED, 0) !== 0) throw new Error(`tiefe wasm: a helper thread failed in ${name}`);
}
