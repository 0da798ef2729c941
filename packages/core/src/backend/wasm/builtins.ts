import type * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelArgs } from './wasmOps.js';

// tfjs-backend-wasm's own kernels that Tiefe replaces but still calls for the cases it does not speed up.
const saved = new Map<string, tf.KernelConfig>();
// The engine runs a kernel's setupFunc (where a built-in binds its wasm function) only for registered kernels,
// once per backend instance; a replaced built-in is no longer registered, so it is set up here on first use.
const setUp = new WeakMap<object, Set<string>>();

/** Keeps a built-in wasm kernel before it is replaced (the first one seen wins: registering twice is harmless). */
export function saveBuiltin(config: tf.KernelConfig): void {
  if (!saved.has(config.kernelName)) saved.set(config.kernelName, config);
}

/** Runs the saved built-in wasm kernel `name`. */
export function runBuiltin(name: string, args: WasmKernelArgs): tf.TensorInfo {
  const config = saved.get(name);
  if (!config) throw new Error(`tiefe wasm kernels: the wasm backend has no built-in ${name} kernel`);
  let done = setUp.get(args.backend);
  if (!done) {
    done = new Set();
    setUp.set(args.backend, done);
  }
  if (!done.has(name)) {
    config.setupFunc?.(args.backend);
    done.add(name);
  }
  return config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo;
}
