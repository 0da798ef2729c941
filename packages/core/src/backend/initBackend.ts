import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core registers no gradients of its own: tfjs-layers' bundle registers them all. Without this import,
// tf.grad fails ('gradient function not found') in programs that never import tfjs-layers.
import '@tensorflow/tfjs-layers';
import { BackendError } from '../errors.js';
import { isNode } from '../platform.js';
import { registerChainedOps } from '../tensor/chainedOps.js';
import { checkInt } from '../validate.js';
import { registerKernels } from './kernels/registry.js';
import { ensureNavigatorGpu, probeAdapterInNode, VULKAN_HELP } from './nodeWebgpu.js';
import { quietCpuBackend } from './quietCpuBackend.js';
import { keepNodeErrorHandling } from './wasm/nodeErrorHandling.js';
import { configureWasmThreads } from './wasm/threads.js';
import {
  checkWasmPaths,
  defaultWasmPaths,
  locateWasmFiles,
  type WasmPaths,
  wasmLoadFailure,
} from './wasm/wasmFiles.js';

// tfjs-core's bundles lack the chained ops (`x.flatten()`) that the umbrella package adds and tfjs-layers uses.
registerChainedOps();
// Tiefe's kernels and gradients for the backends registered now (cpu); initBackend adds webgpu's and wasm's.
registerKernels();
quietCpuBackend();

/** The backends Tiefe can run on, fastest first. */
export type BackendName = 'webgpu' | 'wasm' | 'cpu';

/** The default order of preference. */
export const DEFAULT_BACKENDS: readonly BackendName[] = ['webgpu', 'wasm', 'cpu'];

/** What the WebGPU adapter says about itself (empty strings where it does not say). */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /**
   * The implementation's own word that this adapter trades performance for compatibility (a CPU adapter):
   * `GPUAdapterInfo.isFallbackAdapter` (older browsers: `GPUAdapter.isFallbackAdapter`); false where not said.
   */
  isFallbackAdapter: boolean;
}

export interface InitBackendOptions {
  /**
   * Backends to try, in order. Default: the environment variable `TIEFE_BACKEND` (a comma-separated list,
   * e.g. `wasm,cpu`) when set, else `['webgpu', 'wasm', 'cpu']`, in which a software WebGPU adapter (llvmpipe,
   * SwiftShader) is tried after wasm. The first that starts wins; when none does, `initBackend` throws a
   * {@link BackendError} that lists why each failed.
   */
  prefer?: BackendName[];
  /**
   * Threads for the wasm backend (XNNPACK's pool; tfjs's threaded SIMD build when more than 1). Default: the
   * environment variable `TIEFE_WASM_THREADS` when set (the repository's vitest config sets 1: its 2 test forks
   * already fill 2 cores), else in Node the cores that other work leaves idle when wasm starts (measured over
   * 100 ms; at least 1, at most 8), through Tiefe's own loader of tfjs's threaded module (no global patched; see
   * docs/backends.md), and in browsers all cores (at most 8) in cross-origin isolated pages (elsewhere 1). On 2
   * quiet cores 2 threads take the reference CNN step (batch 64) from 40.6 to 31.3 ms; with both cores busy
   * they make it slower (51-53 against 39-41 ms), hence the idle-core count. 1 keeps the single-threaded SIMD
   * build. Takes effect only when wasm starts for the first time in the process.
   */
  threads?: number;
  /**
   * Browser: where tfjs fetches its wasm binaries (`tfjs-backend-wasm.wasm`, `-simd.wasm`,
   * `-threaded-simd.wasm`, shipped in `node_modules/@tensorflow/tfjs-backend-wasm/dist/`): a folder URL ending in
   * `/` (absolute or relative to the page), or a URL for each binary. Default: the jsDelivr copy of the
   * installed `@tensorflow/tfjs-backend-wasm` version; pass your own folder to serve them yourself (offline apps,
   * a Content-Security-Policy without the CDN). When the binary does not load, the error names its file and URL.
   * Node reads the package's files from disk and needs no paths. Takes effect only when wasm first starts.
   */
  wasmPaths?: WasmPaths;
}

export interface BackendChoice {
  /** The backend now active in tfjs. */
  name: BackendName;
  /** The WebGPU adapter, when `name` is 'webgpu'. */
  adapter?: AdapterInfo;
  /** Backends tried before `name`, with the reason each was passed over. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

/**
 * Picks the best available backend and makes it tfjs's active backend.
 *
 * - `webgpu`: in a browser from `navigator.gpu`; in Node from Dawn (the optional npm package `webgpu`), set
 *   up before `@tensorflow/tfjs-backend-webgpu` is loaded. Needs a WebGPU adapter (in Node: a Vulkan driver).
 * - `wasm`: tfjs's XNNPACK wasm backend plus Tiefe's training kernels, so that conv nets train on it.
 * - `cpu`: tfjs's plain JavaScript backend; always available, slow.
 *
 * @example
 * const { name, adapter, skipped } = await initBackend();
 * console.log(`training on ${name}`, adapter?.description, skipped);
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendChoice> {
  if (options.wasmPaths !== undefined) checkWasmPaths('initBackend: wasmPaths', options.wasmPaths);
  if (options.threads !== undefined) checkInt('initBackend: threads', options.threads, 1, 64);
  const threads = options.threads ?? threadsFromEnv();
  const explicit = options.prefer ?? backendsFromEnv();
  const queue = [...(explicit ?? DEFAULT_BACKENDS)];
  if (queue.length === 0) throw new BackendError('initBackend: `prefer` is empty; name at least one backend');
  // In the default order a software WebGPU adapter (llvmpipe, SwiftShader) goes behind wasm, which trains
  // faster on the same CPU; an explicit order is taken as it is.
  let deferSoftware = explicit === undefined;
  const skipped: BackendChoice['skipped'] = [];
  while (queue.length > 0) {
    const name = queue.shift() as BackendName;
    try {
      if (name === 'webgpu' && deferSoftware && queue.includes('wasm')) {
        deferSoftware = false;
        // In Node, asked in a child process: Dawn's warnings stay out of a program that ends up on wasm.
        const probed = await probeAdapterInNode();
        if (probed === null) throw new BackendError(`no WebGPU adapter found. ${VULKAN_HELP}`);
        const info = probed ?? (await describeAdapter(await requestAdapter()));
        if (isSoftwareAdapter(info)) {
          const about = [info.vendor, info.architecture, info.description].filter(Boolean).join(', ');
          skipped.push({
            name,
            reason: `software adapter (${about || 'fallback adapter'}): wasm is faster; tried after wasm`,
          });
          queue.splice(queue.indexOf('wasm') + 1, 0, 'webgpu');
          continue;
        }
      }
      const adapter = await start(name, { ...options, threads });
      return { name, adapter, skipped };
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
    }
  }
  throw new BackendError(`no backend could be started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/**
 * True for CPU-emulated WebGPU adapters: any adapter that says it is a fallback adapter (Chromium's SwiftShader,
 * Firefox's, which reports only that and empty strings, Dawn on lavapipe), and by name Mesa llvmpipe/lavapipe,
 * SwiftShader (Chromium reports `{ vendor: 'google', architecture: 'swiftshader' }` with no description) and
 * Microsoft's WARP (Basic Render Driver).
 */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  return (
    info.isFallbackAdapter === true ||
    /llvmpipe|lavapipe|swiftshader|software|\bwarp\b|basic render/i.test(
      `${info.architecture} ${info.description} ${info.device} ${info.vendor}`,
    )
  );
}

function backendsFromEnv(): BackendName[] | undefined {
  const raw = isNode ? process.env.TIEFE_BACKEND : undefined;
  if (!raw) return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!DEFAULT_BACKENDS.includes(n as BackendName)) {
      throw new BackendError(
        `TIEFE_BACKEND: expected a comma-separated list of ${DEFAULT_BACKENDS.join(', ')}, got "${raw}"`,
      );
    }
  }
  return names as BackendName[];
}

function threadsFromEnv(): number | undefined {
  const raw = isNode ? process.env.TIEFE_WASM_THREADS : undefined;
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new BackendError(`TIEFE_WASM_THREADS: expected an integer in [1, 64], got "${raw}"`);
  return n;
}

async function start(name: BackendName, options: InitBackendOptions): Promise<AdapterInfo | undefined> {
  switch (name) {
    case 'webgpu':
      return startWebgpu();
    case 'wasm':
      await startWasm(options);
      return undefined;
    case 'cpu':
      await activate('cpu');
      return undefined;
    default:
      throw new BackendError(`unknown backend "${name}"; expected one of ${DEFAULT_BACKENDS.join(', ')}`);
  }
}

/** `tf.setBackend` resolves to false on failure while `tf.getBackend()` may still name it: check both. */
async function activate(name: BackendName): Promise<void> {
  if (!tf.findBackendFactory(name)) throw new BackendError(`the ${name} backend is not registered`);
  const ok = await tf.setBackend(name);
  if (!ok || tf.getBackend() !== name) throw new BackendError(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

async function requestAdapter(): Promise<GPUAdapter> {
  const adapter = await (await ensureNavigatorGpu()).requestAdapter();
  if (!adapter) throw new BackendError(`no WebGPU adapter found. ${isNode ? VULKAN_HELP : ''}`.trim());
  return adapter;
}

async function startWebgpu(): Promise<AdapterInfo> {
  const info = await describeAdapter(await requestAdapter());
  await import('@tensorflow/tfjs-backend-webgpu');
  registerKernels();
  await activate('webgpu');
  return info;
}

async function describeAdapter(adapter: GPUAdapter): Promise<AdapterInfo> {
  // `adapter.info` is the current API; older implementations only have requestAdapterInfo(), and had
  // isFallbackAdapter on the adapter (Chromium until 139) instead of on its info.
  const legacy = adapter as GPUAdapter & {
    requestAdapterInfo?: () => Promise<GPUAdapterInfo>;
    isFallbackAdapter?: boolean;
  };
  const info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } =
    adapter.info ?? (await legacy.requestAdapterInfo?.()) ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: (info.isFallbackAdapter ?? legacy.isFallbackAdapter) === true,
  };
}

async function startWasm({ threads, wasmPaths }: InitBackendOptions): Promise<void> {
  await import('@tensorflow/tfjs-backend-wasm');
  const paths = wasmPaths ?? (isNode ? undefined : await defaultWasmPaths());
  await locateWasmFiles(paths);
  const setup = await configureWasmThreads(threads);
  registerKernels();
  const restoreErrorHandling = keepNodeErrorHandling();
  try {
    await activate('wasm');
  } catch (e) {
    // tfjs only logs why; name the binary and URL that did not load, and how to fix it.
    if (!(tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) {
      throw await wasmLoadFailure(paths);
    }
    throw e;
  } finally {
    setup.done();
    restoreErrorHandling();
  }
}
