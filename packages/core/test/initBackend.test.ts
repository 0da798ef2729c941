import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, test } from 'vitest';
import {
  type AdapterInfo,
  BackendError,
  InputError,
  initBackend,
  isSoftwareAdapter,
  WASM_BINARIES,
  type WasmBinaryName,
} from '../src/index.js';

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

  test('refuses a threads count that is not an integer in [1, 64], as option or as TIEFE_WASM_THREADS', async () => {
    await expect(initBackend({ prefer: ['cpu'], threads: 1.5 })).rejects.toBeInstanceOf(InputError);
    await expect(initBackend({ prefer: ['cpu'], threads: 0 })).rejects.toThrow(
      'initBackend: threads: expected an integer in [1, 64], got 0',
    );
    const saved = process.env.TIEFE_WASM_THREADS;
    try {
      process.env.TIEFE_WASM_THREADS = 'two';
      await expect(initBackend({ prefer: ['cpu'] })).rejects.toThrow(
        'TIEFE_WASM_THREADS: expected an integer in [1, 64], got "two"',
      );
      // The option wins over the variable.
      expect((await initBackend({ prefer: ['cpu'], threads: 2 })).name).toBe('cpu');
    } finally {
      if (saved === undefined) delete process.env.TIEFE_WASM_THREADS;
      else process.env.TIEFE_WASM_THREADS = saved;
    }
  });

  test('refuses a wasmPaths that is neither a folder URL nor a URL for each binary', async () => {
    const expected =
      "initBackend: wasmPaths: expected a folder URL ending in '/', or an object with a URL for each of " +
      'tfjs-backend-wasm.wasm, tfjs-backend-wasm-simd.wasm, tfjs-backend-wasm-threaded-simd.wasm, got';
    const noSlash = initBackend({ prefer: ['cpu'], wasmPaths: '/assets/wasm' });
    await expect(noSlash).rejects.toBeInstanceOf(InputError);
    await expect(noSlash).rejects.toThrow(`${expected} "/assets/wasm"`);
    const partial = { 'tfjs-backend-wasm.wasm': '/a.wasm' } as unknown as Record<WasmBinaryName, string>;
    await expect(initBackend({ prefer: ['cpu'], wasmPaths: partial })).rejects.toThrow(expected);
    // A complete map is taken (cpu starts; the paths would matter only to wasm).
    const all = Object.fromEntries(WASM_BINARIES.map((b) => [b, `/wasm/${b}`])) as Record<WasmBinaryName, string>;
    expect((await initBackend({ prefer: ['cpu'], wasmPaths: all })).name).toBe('cpu');
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

  // Adapter descriptions as each implementation reports them. Measured here: Chromium 156 headless
  // (--enable-unsafe-webgpu) on SwiftShader, and Dawn (npm `webgpu`) on Mesa 25 lavapipe. Firefox reports four
  // empty strings and only isFallbackAdapter (dom/webgpu/Adapter.h, AdapterInfo::IsFallbackAdapter). Chromium on
  // hardware reports vendor and architecture only (no device, no description).
  const adapter = (info: Partial<AdapterInfo>): AdapterInfo => ({
    vendor: '',
    architecture: '',
    device: '',
    description: '',
    isFallbackAdapter: false,
    ...info,
  });
  const software: Record<string, AdapterInfo> = {
    'Chromium / SwiftShader': adapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true }),
    'Chromium / SwiftShader before GPUAdapterInfo.isFallbackAdapter': adapter({
      vendor: 'google',
      architecture: 'swiftshader',
    }),
    'Dawn / lavapipe (Node)': adapter({
      vendor: 'mesa',
      architecture: 'software',
      device: 'llvmpipe-llvm-15-0-6-256-bits-',
      description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
      isFallbackAdapter: true,
    }),
    'Dawn / SwiftShader Vulkan (Node)': adapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' }),
    'Firefox software adapter': adapter({ isFallbackAdapter: true }),
  };
  const hardware: Record<string, AdapterInfo> = {
    'Chromium / NVIDIA': adapter({ vendor: 'nvidia', architecture: 'ampere' }),
    'Chromium / AMD': adapter({ vendor: 'amd', architecture: 'rdna-3' }),
    'Chromium / Intel': adapter({ vendor: 'intel', architecture: 'gen-12lp' }),
    'Chromium / Apple': adapter({ vendor: 'apple', architecture: 'metal-3' }),
    'Chromium / Qualcomm': adapter({ vendor: 'qualcomm', architecture: 'adreno-6xx' }),
    // Dawn's Vulkan format, as for lavapipe above: device from deviceName, description `driverName: driverInfo`.
    'Dawn / NVIDIA (Node)': adapter({
      vendor: 'nvidia',
      architecture: 'hopper',
      device: 'nvidia-h100-80gb-hbm3',
      description: 'NVIDIA: 550.54.15 550.54.15.0',
    }),
    'Firefox hardware adapter': adapter({}),
  };

  test.each(Object.entries(software))('recognises a software adapter: %s', (_, info) => {
    expect(isSoftwareAdapter(info)).toBe(true);
  });

  test.each(Object.entries(hardware))('takes a hardware adapter for hardware: %s', (_, info) => {
    expect(isSoftwareAdapter(info)).toBe(false);
  });
});
