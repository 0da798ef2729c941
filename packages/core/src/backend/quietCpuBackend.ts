import * as tf from '@tensorflow/tfjs-core';
import { isNode } from '../platform.js';

interface CpuBackendLike {
  /** tfjs-backend-cpu 4.22 prints its Node banner on the first write while this is true. */
  firstUse?: boolean;
}

/**
 * Turns off tfjs-backend-cpu's banner in Node ("Hi, looks like you are running TensorFlow.js in Node.js. To
 * speed things up dramatically, install our node backend ..."), which it prints on its first tensor in every
 * process and every test file. Tiefe does not use tfjs-node on purpose (its backends are webgpu and wasm), so
 * the advice is noise. Only this message goes: the `PROD` flag would also hide tfjs's other warnings. The
 * backend instance is made by the engine on first use, so its factory is wrapped (and an instance made
 * already is marked too). Idempotent.
 */
export function quietCpuBackend(): void {
  if (!isNode) return;
  const engine = tf.engine() as unknown as {
    registry: Record<string, CpuBackendLike | undefined>;
    registryFactory: Record<string, { factory: () => CpuBackendLike; priority: number; quiet?: boolean } | undefined>;
  };
  const existing = engine.registry.cpu;
  if (existing) existing.firstUse = false;
  const entry = engine.registryFactory.cpu;
  if (!entry || entry.quiet) return;
  const { factory } = entry;
  entry.factory = () => {
    const backend = factory();
    backend.firstUse = false;
    return backend;
  };
  entry.quiet = true;
}
