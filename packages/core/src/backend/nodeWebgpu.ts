/**
 * Gives Node a `navigator.gpu` from Dawn (the npm package `webgpu`), as a browser has one. Must run before
 * `@tensorflow/tfjs-backend-webgpu` is imported: that package registers its backend only when it finds
 * `navigator.gpu` at import time.
 */
import { BackendError } from '../errors.js';
import { importNodeOnly, isNode } from '../platform.js';

/** What to install when Node has no Vulkan driver for Dawn. */
export const VULKAN_HELP =
  'WebGPU in Node runs on Vulkan: on Debian 12 run `sudo bash scripts/install-webgpu-deps.sh` from the Tiefe ' +
  'repository (Mesa 25 lavapipe from bookworm-backports; Debian 12 Mesa 22 is too old for Dawn), or install ' +
  "Debian's `chromium` and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json, or install your GPU " +
  "vendor's Vulkan driver.";

/** Installs `navigator.gpu` in Node from the optional dependency `webgpu`; a no-op where it exists. */
export async function ensureNavigatorGpu(): Promise<GPU> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  if (!isNode) throw new BackendError('this browser has no WebGPU (navigator.gpu is undefined)');
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = await importNodeOnly('webgpu');
  } catch (e) {
    throw new BackendError(
      `the optional dependency \`webgpu\` (Dawn for Node) could not be loaded: ${(e as Error).message}. ` +
        'Install it with `npm install webgpu`.',
    );
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}
