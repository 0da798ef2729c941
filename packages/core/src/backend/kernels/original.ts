import type * as tf from '@tensorflow/tfjs-core';

// The backends' own kernels that Tiefe replaces but still calls for the cases it does not change.
const saved = new Map<string, tf.KernelConfig>();
// tfjs-core's own gradients that Tiefe replaces but still calls for the cases it does not change.
const savedGradients = new Map<string, tf.GradConfig>();
// The engine runs a kernel's setupFunc (where a wasm built-in binds its wasm function) only for registered
// kernels, once per backend instance; a replaced kernel is no longer registered, so it is set up here on first use.
const setUp = new WeakMap<object, Set<string>>();

const key = (kernelName: string, backendName: string) => `${backendName}/${kernelName}`;

/** A kernel's arguments as tfjs passes them to a kernel function (the backend is the active backend object). */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}

/** Keeps a backend's own kernel before it is replaced (the first one seen wins: registering twice is harmless). */
export function saveOriginal(config: tf.KernelConfig): void {
  const k = key(config.kernelName, config.backendName);
  if (!saved.has(k)) saved.set(k, config);
}

/** Runs the backend's own kernel `kernelName` that Tiefe replaced (see `registerKernels`). */
export function runOriginal(kernelName: string, backendName: string, args: KernelArgs): tf.TensorInfo {
  const config = saved.get(key(kernelName, backendName));
  if (!config) throw new Error(`tiefe kernels: the ${backendName} backend has no ${kernelName} kernel of its own`);
  const backend = args.backend as object;
  let done = setUp.get(backend);
  if (!done) {
    done = new Set();
    setUp.set(backend, done);
  }
  if (!done.has(config.kernelName)) {
    config.setupFunc?.(backend as tf.KernelBackend);
    done.add(config.kernelName);
  }
  return config.kernelFunc(args as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}

/** Keeps tfjs-core's own gradient of a kernel before it is replaced (the first one seen wins). */
export function saveOriginalGradient(config: tf.GradConfig): void {
  if (!savedGradients.has(config.kernelName)) savedGradients.set(config.kernelName, config);
}

/** tfjs-core's own gradient of `kernelName` that Tiefe replaced (see `registerKernels`). */
export function originalGradient(kernelName: string): tf.GradConfig {
  const config = savedGradients.get(kernelName);
  if (!config) throw new Error(`tiefe gradients: tfjs-core has no gradient of its own for ${kernelName}`);
  return config;
}
