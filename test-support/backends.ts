/**
 * Comparing a backend with tfjs's cpu backend, shared by the tests of several packages (imported by relative
 * path; tests are not package sources, so no package depends on another through this file).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/** Relative part of {@link expectClose}'s tolerance: float32 on two different kernels sums in other orders. */
export const REL = 1e-3;
/** Absolute part of {@link expectClose}'s tolerance, for results near zero. */
export const ABS = 1e-5;

/** Asserts every value is finite and `|webgpu - cpu| <= REL * max|cpu| + ABS` element by element. */
export function expectClose(name: string, gpu: ArrayLike<number>, cpu: ArrayLike<number>): void {
  expect(gpu.length, name).toBe(cpu.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < cpu.length; i++) {
    scale = Math.max(scale, Math.abs(cpu[i]));
    expect(Number.isFinite(gpu[i]), `${name}[${i}] finite`).toBe(true);
    worst = Math.max(worst, Math.abs(gpu[i] - cpu[i]));
  }
  expect(worst, `${name}: max |webgpu - cpu| (scale ${scale})`).toBeLessThanOrEqual(REL * scale + ABS);
}

/**
 * Runs `f` on `backend` inside `tf.tidy` and reads every result back as a Float32Array (asynchronously: WebGPU
 * in Node has no synchronous read); asserts the backend was set and no tensor is left behind.
 */
export async function on(backend: 'cpu' | 'webgpu', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  expect(await tf.setBackend(backend)).toBe(true);
  const before = tf.memory().numTensors;
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const arrays = await Promise.all(list.map(async (t) => new Float32Array(await t.data())));
  tf.dispose(list);
  expect(tf.memory().numTensors).toBe(before);
  return arrays;
}
