import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, test } from 'vitest';
import { BackendError, initBackend, isSoftwareAdapter } from '../src/index.js';

describe('initBackend', () => {
  afterEach(() => {
    delete process.env.TIEFE_BACKEND;
  });

  test('starts WebGPU through Dawn and reports the adapter', async () => {
    const got = await initBackend({ prefer: ['webgpu'] });
    console.log('WebGPU adapter:', JSON.stringify(got.adapter));
    expect(got.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(got.adapter).toBeDefined();
    expect(`${got.adapter?.vendor}${got.adapter?.description}${got.adapter?.architecture}`.length).toBeGreaterThan(0);
    const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
    expect(await y.data()).toEqual(new Float32Array([11]));
    y.dispose();
  });

  test('honours TIEFE_BACKEND and the order of preference', async () => {
    process.env.TIEFE_BACKEND = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const got = await initBackend({ prefer: ['wasm', 'cpu'] });
    expect(got).toEqual({ name: 'wasm', adapter: undefined, skipped: [] });
  });

  test('says why a backend was passed over, and throws when none starts', async () => {
    process.env.TIEFE_BACKEND = 'cuda';
    await expect(initBackend()).rejects.toThrow(/TIEFE_BACKEND: expected a comma-separated list/);
    delete process.env.TIEFE_BACKEND;
    // @ts-expect-error an unknown backend name from untyped callers
    const got = await initBackend({ prefer: ['tpu', 'cpu'] });
    expect(got.name).toBe('cpu');
    expect(got.skipped).toEqual([{ name: 'tpu', reason: expect.stringContaining('unknown backend "tpu"') }]);
    // @ts-expect-error as above
    await expect(initBackend({ prefer: ['tpu'] })).rejects.toBeInstanceOf(BackendError);
  });
});

describe('default order', () => {
  test('puts a software WebGPU adapter behind wasm, and says so', async () => {
    const { adapter } = await initBackend({ prefer: ['webgpu'] });
    const got = await initBackend();
    if (adapter && isSoftwareAdapter(adapter)) {
      expect(got.name).toBe('wasm');
      expect(got.skipped).toEqual([
        { name: 'webgpu', reason: expect.stringMatching(/^software adapter .*tried after wasm$/) },
      ]);
    } else {
      expect(got).toEqual({ name: 'webgpu', adapter, skipped: [] });
    }
  });

  test('recognises software adapters', () => {
    const base = { vendor: '', architecture: '', device: '', description: '' };
    expect(isSoftwareAdapter({ ...base, vendor: 'mesa', architecture: 'software', description: 'llvmpipe' })).toBe(
      true,
    );
    expect(isSoftwareAdapter({ ...base, vendor: 'google', description: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' })).toBe(
      false,
    );
  });
});
