import * as tf from '@tensorflow/tfjs-core';
import { importNodeOnly, isNode, resolveFromCore } from '../../platform.js';

/** What {@link configureWasmThreads} decided. */
export interface WasmThreadsSetup {
  /** Threads requested from XNNPACK (1: the single-threaded build is used). */
  threads: number;
  /** Why threads are off, when they are. */
  reason?: string;
  /** Call after `tf.setBackend('wasm')` has settled (resolved or rejected): removes the core-count patch. */
  done: () => void;
}

interface EmscriptenPThread {
  runningWorkers: Array<{ unref?: () => void }>;
  unusedWorkers: Array<{ unref?: () => void }>;
}

/**
 * Prepares tfjs-backend-wasm's threaded SIMD build; call it before `tf.setBackend('wasm')`, then `done()` after.
 *
 * - Browser: threads need a cross-origin isolated page (`crossOriginIsolated`, so SharedArrayBuffer exists);
 *   tfjs detects that itself. tfjs caps the pool at half of `navigator.hardwareConcurrency` (it assumes two
 *   hyperthreads per core: 1 thread on 2 cores), so until `done()` the page's `navigator` reports 2 x `threads`.
 * - Node: tfjs turns threads off (`WASM_HAS_MULTITHREAD_SUPPORT` is false in Node) and its Emscripten loader
 *   starts workers from `blob:` URLs, which Node's `Worker` rejects. This turns the flag on and, until `done()`,
 *   makes `URL.createObjectURL` write the worker script to a file in the temp folder (content-addressed,
 *   written atomically) whose workers load the package's own `wasm-out/tfjs-backend-wasm-threaded-simd.js`, and
 *   makes `os.cpus()` report 2 x `threads` cores (tfjs caps the pool at half the logical cores).
 *
 * `threads` defaults to the number of CPU cores (at most 8); 1 (or 0) keeps the single-threaded SIMD build.
 * Must run before the wasm backend is first initialized: tfjs reads the thread count only then.
 */
export async function configureWasmThreads(threads?: number): Promise<WasmThreadsSetup> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const cores = isNode
    ? (await importNodeOnly<typeof import('node:os')>('node:os')).availableParallelism()
    : (globalThis.navigator?.hardwareConcurrency ?? 1);
  const want = Math.max(1, Math.floor(threads ?? Math.min(cores, 8)));
  const off = (reason: string): WasmThreadsSetup => {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return { threads: 1, reason, done: () => {} };
  };
  // Not tf.findBackend: it would start the backend (single-threaded) as a side effect.
  if ((tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) {
    return { threads: wasm.getThreadsCount(), reason: 'the wasm backend was already started', done: () => {} };
  }
  if (want === 1) return off('one thread requested');
  if (typeof SharedArrayBuffer === 'undefined')
    return off('SharedArrayBuffer is unavailable (page not cross-origin isolated)');
  wasm.setThreadsCount(want);
  if (!isNode) return { threads: want, done: reportCores(want) };
  const { existsSync } = await importNodeOnly<typeof import('node:fs')>('node:fs');
  const { dirname, join } = await importNodeOnly<typeof import('node:path')>('node:path');
  const pkg = await resolveFromCore('@tensorflow/tfjs-backend-wasm/package.json');
  const mainScript = join(dirname(pkg), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  // Without it the workers could never load and setBackend would wait forever: stay single-threaded.
  if (!existsSync(mainScript)) return off(`${mainScript} is missing`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const done = await patchNodeLoader(want, mainScript);
  return { threads: want, done };
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

/** Node: serves the Emscripten worker from a file instead of a `blob:` URL (see configureWasmThreads). */
async function patchNodeLoader(threads: number, mainScript: string): Promise<() => void> {
  const { createHash } = await importNodeOnly<typeof import('node:crypto')>('node:crypto');
  const { mkdirSync, renameSync, writeFileSync } = await importNodeOnly<typeof import('node:fs')>('node:fs');
  // The CommonJS object itself (what Emscripten's require('os') returns), so that patching cpus() reaches it.
  const os = (await importNodeOnly<{ default: typeof import('node:os') }>('node:os')).default;
  const { tmpdir } = os;
  const { join } = await importNodeOnly<typeof import('node:path')>('node:path');
  const materialize = (text: string): string => {
    const dir = join(tmpdir(), 'tiefe-wasm-threads');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.cjs`);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file); // atomic: a concurrent process never runs a half-written script
    return file;
  };
  const OrigBlob = globalThis.Blob;
  const origCreate = URL.createObjectURL;
  const texts = new WeakMap<object, string>();
  // A plain Blob is returned (so postMessage can clone it); its text is remembered for createObjectURL.
  function RecordingBlob(parts: BlobPart[], options?: BlobPropertyBag): Blob {
    const blob = new OrigBlob(parts, options);
    if (parts.every((p) => typeof p === 'string')) texts.set(blob, (parts as string[]).join(''));
    return blob;
  }
  RecordingBlob.prototype = OrigBlob.prototype;
  globalThis.Blob = RecordingBlob as unknown as typeof Blob;
  // tfjs caps XNNPACK's pool at emscripten_num_logical_cores() / 2 (it assumes 2 hyperthreads per core), read
  // from os.cpus() when the module starts: report 2 * threads cores meanwhile so the requested count is kept.
  const origCpus = os.cpus;
  os.cpus = () => {
    const cpus = origCpus();
    return Array.from({ length: Math.max(cpus.length, 2 * threads) }, (_, i) => cpus[i % cpus.length]);
  };
  URL.createObjectURL = (obj: Blob): string => {
    const text = texts.get(obj);
    if (text === undefined || !text.includes('WasmBackendModuleThreadedSimd')) return origCreate(obj);
    // The main thread sends each worker the main script as a Blob (which it cannot load): use the file.
    const shim =
      "const __wt=require('worker_threads');const __on=__wt.parentPort.on.bind(__wt.parentPort);" +
      "__wt.parentPort.on=(ev,fn)=>__on(ev,ev!=='message'?fn:(d)=>{if(d&&d.cmd==='load'&&typeof d.urlOrBlob!=='string')" +
      `d.urlOrBlob=${JSON.stringify(mainScript)};fn(d);});\n`;
    return materialize(shim + text);
  };
  return () => {
    // XNNPACK's pool threads wait on the workers forever, and a running Emscripten worker is ref'd, so Node
    // would never exit: unref them (they still run; they just do not keep the process alive).
    const registry = (
      tf.engine() as unknown as { registry: Record<string, { wasm?: { PThread?: EmscriptenPThread } }> }
    ).registry;
    const module = registry.wasm?.wasm;
    for (const w of [...(module?.PThread?.runningWorkers ?? []), ...(module?.PThread?.unusedWorkers ?? [])])
      w.unref?.();
    os.cpus = origCpus;
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreate;
  };
}
