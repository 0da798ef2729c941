import * as tf from '@tensorflow/tfjs-core';
import { importNodeOnly, isNode, resolveFromCore } from '../../platform.js';
import { type NodeWorker, startHelperThreads } from '../kernels/wasm/helperThreads.js';

/** What {@link configureWasmThreads} decided. */
export interface WasmThreadsSetup {
  /** Threads requested from XNNPACK (1: the single-threaded build is used). */
  threads: number;
  /** Why threads are off, when they are. */
  reason?: string;
  /**
   * Call after `tf.setBackend('wasm')` has settled (resolved or rejected). Browser: gives the page back its own
   * `navigator.hardwareConcurrency`; Node: nothing to undo.
   */
  done: () => void;
}

/** The parts of the Emscripten module of tfjs's threaded build that the Node loader touches. */
interface ThreadedModule {
  cwrap: (name: string, ret: string | null, args: string[]) => unknown;
  PThread: { runningWorkers: PoolWorker[]; unusedWorkers: PoolWorker[] };
  tfjs?: unknown;
}
interface PoolWorker {
  unref(): void;
  terminate(): unknown;
}
type ThreadedFactory = (config: Record<string, unknown>) => Promise<ThreadedModule>;
type WasmImports = { env: Record<string, unknown> };

/**
 * Prepares tfjs-backend-wasm's threaded SIMD build; call it before `tf.setBackend('wasm')`, then `done()` after.
 *
 * - Browser: threads need a cross-origin isolated page (`crossOriginIsolated`, so SharedArrayBuffer exists);
 *   tfjs detects that itself. tfjs caps the pool at half of `navigator.hardwareConcurrency` (it assumes two
 *   hyperthreads per core: 1 thread on 2 cores), so until `done()` the page's `navigator` reports 2 x `threads`.
 * - Node: tfjs's own loader cannot start threads there (it hands Node's `Worker` `blob:` URLs, and
 *   `WASM_HAS_MULTITHREAD_SUPPORT` is false), so the `'wasm'` backend factory is replaced (public
 *   `tf.removeBackend` / `tf.registerBackend`) by {@link nodeThreadedFactory}, which starts the same Emscripten
 *   module through its documented options. No global is patched and no file is written.
 *
 * `threads` defaults in Node to the cores that other work leaves free, measured over 100 ms
 * ({@link defaultWasmThreads}), in a browser to all cores (at most 8); 1 keeps the single-threaded SIMD build.
 * Must run before the wasm backend is first initialized: tfjs reads the thread count only then.
 */
export async function configureWasmThreads(threads?: number): Promise<WasmThreadsSetup> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const os = isNode ? await importNodeOnly<typeof import('node:os')>('node:os') : undefined;
  const cores = os ? os.availableParallelism() : (globalThis.navigator?.hardwareConcurrency ?? 1);
  const off = (reason: string): WasmThreadsSetup => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return { threads: 1, reason, done: () => {} };
  };
  // Not tf.findBackend: it would start the backend (single-threaded) as a side effect.
  if ((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) {
    return { threads: wasm.getThreadsCount(), reason: 'the wasm backend was already started', done: () => {} };
  }
  const idle = os && threads === undefined ? await idleCores(os) : cores;
  const want = Math.max(1, Math.floor(threads ?? defaultWasmThreads(cores, idle)));
  if (want === 1) return off(threads === undefined && cores > 1 ? 'the other cores are busy' : 'one thread requested');
  if (typeof SharedArrayBuffer === 'undefined')
    return off('SharedArrayBuffer is unavailable (page not cross-origin isolated)');
  wasm.setThreadsCount(want);
  if (!isNode) return { threads: want, done: reportCores(want) };
  const { existsSync } = await importNodeOnly<typeof import('node:fs')>('node:fs');
  const { dirname, join } = await importNodeOnly<typeof import('node:path')>('node:path');
  const pkg = await resolveFromCore('@tensorflow/tfjs-backend-wasm/package.json');
  const files = {
    main: join(dirname(pkg), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'),
    worker: join(dirname(pkg), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
    binary: join(dirname(pkg), 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'),
  };
  const missing = Object.values(files).find((f) => !existsSync(f));
  if (missing) return off(`${missing} is missing`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true); // what wasmLoadFailure reads to name the binary
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', await nodeThreadedFactory(want, files, wasm.BackendWasm), WASM_PRIORITY);
  return { threads: want, done: () => {} };
}

/**
 * The default thread count: the cores that other work leaves idle (`idle`, in cores), at least 1, at most
 * `cores` and 8. XNNPACK's pool waits for its slowest thread, so a thread that has to share a core with another
 * process slows every kernel: the reference CNN step on 2 cores took 31.3 ms with 2 threads and 40.6 with 1 on
 * a quiet machine, but 51-53 ms with 2 and 39-41 with 1 (least of 15 steps) while other processes kept both
 * cores busy.
 */
export function defaultWasmThreads(cores: number, idle: number): number {
  return Math.max(1, Math.min(8, cores, Math.round(idle)));
}

/** Node: how many cores are idle now (the machine's idle CPU time over 100 ms, in cores). */
async function idleCores(os: typeof import('node:os')): Promise<number> {
  const idle = () => os.cpus().reduce((sum, c) => sum + c.times.idle, 0);
  const [i0, t0] = [idle(), performance.now()];
  await new Promise((resolve) => setTimeout(resolve, 100));
  return (idle() - i0) / (performance.now() - t0);
}

/** tfjs-backend-wasm's own priority for its backend (base.ts). */
const WASM_PRIORITY = 2;

/**
 * Node: a `'wasm'` backend factory that starts tfjs's threaded SIMD module itself, through Emscripten's own
 * module options, then hands it to tfjs's exported `BackendWasm` (which sets up the pool of `threads`):
 *
 * - `locateFile` gives each pthread worker a `data:` URL (Node's `Worker` takes those) whose few lines run
 *   tfjs's worker script, `wasm-out/...worker.js`'s `wasmWorkerContents`, as tfjs's browser loader does from a
 *   `blob:`, and `mainScriptUrlOrBlob` the path of the module's script, which the workers load;
 * - `instantiateWasm` compiles the binary from disk and answers the module's `emscripten_num_logical_cores`
 *   import with 2 x `threads`: tfjs sizes the pool as min(threads, cores / 2) (it assumes two hyperthreads per
 *   core: 1 thread on a 2-core machine), read once as the module starts;
 * - its pool workers are unref'd after start (XNNPACK's threads wait on them forever; a ref'd worker would keep
 *   Node from exiting). They still run; they just do not keep the process alive.
 */
async function nodeThreadedFactory(
  threads: number,
  files: { main: string; worker: string; binary: string },
  BackendWasm: typeof import('@tensorflow/tfjs-backend-wasm').BackendWasm,
): Promise<() => Promise<tf.KernelBackend>> {
  const { createRequire } = await importNodeOnly<typeof import('node:module')>('node:module');
  const { readFile } = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
  const { pathToFileURL } = await importNodeOnly<typeof import('node:url')>('node:url');
  const { Worker } = await importNodeOnly<typeof import('node:worker_threads')>('node:worker_threads');
  const require = createRequire(files.main);
  // tfjs escapes the newlines of the script text the same way before it makes a Blob of it. The worker's import
  // of node:module is text run only by a Node worker, not an import of this file (which the browser-bundle
  // scan forbids), hence the specifier spliced in.
  const nodeModule = JSON.stringify('node:module');
  const workerSource =
    `import{createRequire}from${nodeModule};const require=createRequire(${JSON.stringify(pathToFileURL(files.worker).href)});` +
    `new Function('require','__filename',require(${JSON.stringify(files.worker)}).wasmWorkerContents.replace(/\\n/g,'\\\\n'))` +
    `(require,${JSON.stringify(files.main)});`;
  const workerUrl = new URL(`data:text/javascript,${encodeURIComponent(workerSource)}`);
  return async () => {
    const factory = require(files.main) as ThreadedFactory;
    const module = await new Promise<ThreadedModule>((resolve, reject) => {
      const config: Record<string, unknown> & { PThread?: ThreadedModule['PThread'] } = {
        mainScriptUrlOrBlob: files.main,
        locateFile: (path: string, prefix: string) => (path.endsWith('.worker.js') ? workerUrl : prefix + path),
        instantiateWasm: (imports: WasmImports, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) => {
          if (typeof imports.env.emscripten_num_logical_cores === 'function')
            imports.env.emscripten_num_logical_cores = () => 2 * threads;
          trimWorkerPool(config.PThread, threads - 1);
          readFile(files.binary)
            .then((bytes) => WebAssembly.instantiate(bytes, imports as unknown as WebAssembly.Imports))
            .then(({ instance, module: compiled }) => receive(instance, compiled), reject);
          return {};
        },
        onAbort: (what: unknown) => reject(new Error(`wasm: the threaded module aborted: ${String(what)}`)),
      };
      factory(config).then(resolve, reject);
    });
    // The bridge tfjs's init() adds to the module (backend_wasm.ts), which BackendWasm and every kernel call.
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
    for (const w of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) w.unref();
    startHelperThreads(backend, threads - 1, Worker as unknown as NodeWorker);
    return backend;
  };
}

/**
 * Browser: makes `navigator.hardwareConcurrency` (what tfjs's module reads as it starts, to cap its pool at half
 * of it) report 2 x `threads` until the returned function restores the browser's own value.
 */
function reportCores(threads: number): () => void {
  const nav = globalThis.navigator as Navigator | undefined;
  if (!nav || (nav.hardwareConcurrency ?? 0) >= 2 * threads) return () => {};
  // An own property shadows the prototype's getter; deleting it brings the getter back.
  Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  return () => {
    delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  };
}

/**
 * Emscripten starts a fixed pool of 8 workers (tfjs's PTHREAD_POOL_SIZE) and waits for each to load the module
 * before the module runs: in Node about 1 s and 200 MB on 2 cores. XNNPACK's pool needs `keep` (threads - 1: the
 * calling thread is one of them), so the rest are ended before they load (the module's `instantiateWasm` runs
 * first; its config object is the module, which holds `PThread` by then). Emscripten starts another worker by
 * itself if one is ever needed. Where the module is built differently this changes nothing.
 */
function trimWorkerPool(pool: ThreadedModule['PThread'] | undefined, keep: number): void {
  if (!Array.isArray(pool?.unusedWorkers) || pool.unusedWorkers.length <= keep) return;
  for (const w of pool.unusedWorkers.splice(keep)) w.terminate();
}
