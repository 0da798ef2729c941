import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { BackendError } from '../errors.js';
import { ensureNavigatorGpu, isNode, VULKAN_HELP } from './nodeWebgpu.js';
import { registerWasmTrainingKernels } from './wasm/registerTrainingKernels.js';

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
}

export interface InitBackendOptions {
  /**
   * Backends to try, in order. Default: the environment variable `TIEFE_BACKEND` (a comma-separated list,
   * e.g. `wasm,cpu`) when set, else `['webgpu', 'wasm', 'cpu']`. The first that starts wins; when none does,
   * `initBackend` throws a {@link BackendError} that lists why each failed.
   */
  prefer?: BackendName[];
  /** Threads for the wasm backend (default: the wasm backend's own choice; used where threads are available). */
  threads?: number;
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
  const prefer = options.prefer ?? backendsFromEnv() ?? [...DEFAULT_BACKENDS];
  if (prefer.length === 0) throw new BackendError('initBackend: `prefer` is empty; name at least one backend');
  const skipped: BackendChoice['skipped'] = [];
  for (const name of prefer) {
    try {
      const adapter = await start(name, options);
      return { name, adapter, skipped };
    } catch (e) {
      skipped.push({ name, reason: (e as Error).message });
    }
  }
  throw new BackendError(
    `no backend could be started: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`,
  );
}

function backendsFromEnv(): BackendName[] | undefined {
  const raw = isNode ? process.env.TIEFE_BACKEND : undefined;
  if (!raw) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!DEFAULT_BACKENDS.includes(n as BackendName)) {
      throw new BackendError(`TIEFE_BACKEND: expected a comma-separated list of ${DEFAULT_BACKENDS.join(', ')}, got "${raw}"`);
    }
  }
  return names as BackendName[];
}

async function start(name: BackendName, options: InitBackendOptions): Promise<AdapterInfo | undefined> {
  switch (name) {
    case 'webgpu':
      return startWebgpu();
    case 'wasm':
      await startWasm(options.threads);
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

async function startWebgpu(): Promise<AdapterInfo> {
  const gpu = await ensureNavigatorGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new BackendError(`no WebGPU adapter found. ${isNode ? VULKAN_HELP : ''}`.trim());
  const info = await describeAdapter(adapter);
  await import('@tensorflow/tfjs-backend-webgpu');
  await activate('webgpu');
  return info;
}

async function describeAdapter(adapter: GPUAdapter): Promise<AdapterInfo> {
  // `adapter.info` is the current API; older implementations only have requestAdapterInfo().
  const legacy = adapter as GPUAdapter & { requestAdapterInfo?: () => Promise<GPUAdapterInfo> };
  const info: Partial<GPUAdapterInfo> = adapter.info ?? (await legacy.requestAdapterInfo?.()) ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
}

async function startWasm(threads: number | undefined): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (threads !== undefined) wasm.setThreadsCount(threads);
  registerWasmTrainingKernels();
  await activate('wasm');
}
