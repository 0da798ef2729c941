// The notice each gallery page shows about its backend, and the `?backend=` switch, without a browser.
import type { BackendChoice } from '@tiefe/core';
import { describe, expect, test } from 'vitest';
import { backendNotice, preferredBackends } from '../src/ui/backend.js';

const swiftshader = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: '',
  description: '',
  isFallbackAdapter: true,
};

describe('backendNotice', () => {
  test('the default order on a software adapter: wasm, and why', () => {
    const choice: BackendChoice = {
      name: 'wasm',
      skipped: [{ name: 'webgpu', reason: 'software adapter (google, swiftshader): wasm is faster; tried after wasm' }],
    };
    expect(backendNotice(choice, false)).toBe('WebGPU adapter is a software one (google, swiftshader): using wasm');
  });

  test('no adapter, or WebGPU failing otherwise, names the reason', () => {
    const none: BackendChoice = { name: 'wasm', skipped: [{ name: 'webgpu', reason: 'no WebGPU adapter found.' }] };
    expect(backendNotice(none, false)).toBe('No WebGPU adapter in this browser: using wasm');
    const broken: BackendChoice = { name: 'cpu', skipped: [{ name: 'webgpu', reason: 'device lost' }] };
    expect(backendNotice(broken, false)).toBe('WebGPU did not start (device lost): using cpu');
  });

  test('WebGPU forced onto a software adapter says so; a hardware adapter needs no notice', () => {
    expect(backendNotice({ name: 'webgpu', adapter: swiftshader, skipped: [] }, true)).toBe(
      'WebGPU on a software adapter (google, swiftshader), as ?backend=webgpu asked: slower than wasm',
    );
    const wasmFailed: BackendChoice = {
      name: 'webgpu',
      adapter: swiftshader,
      skipped: [{ name: 'wasm', reason: 'x' }],
    };
    expect(backendNotice(wasmFailed, false)).toBe(
      'WebGPU on a software adapter (google, swiftshader), wasm did not start: slower than wasm',
    );
    const gpu = { ...swiftshader, vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false };
    expect(backendNotice({ name: 'webgpu', adapter: gpu, skipped: [] }, false)).toBe('');
  });
});

describe('preferredBackends', () => {
  test('?backend= puts the named backend first; anything else keeps the default order', () => {
    expect(preferredBackends('?backend=webgpu&steps=4')).toEqual(['webgpu', 'wasm', 'cpu']);
    expect(preferredBackends('?backend=wasm')).toEqual(['wasm', 'webgpu', 'cpu']);
    expect(preferredBackends('?backend=tpu')).toBeUndefined();
    expect(preferredBackends('')).toBeUndefined();
  });
});
