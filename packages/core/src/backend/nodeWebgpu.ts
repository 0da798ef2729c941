/**
 * Gives Node a `navigator.gpu` from Dawn (the npm package `webgpu`), as a browser has one. Must run before
 * `@tensorflow/tfjs-backend-webgpu` is imported: that package registers its backend only when it finds
 * `navigator.gpu` at import time.
 */
import { BackendError } from '../errors.js';
import { importNodeOnly, isNode, resolveFromCore } from '../platform.js';
import type { AdapterInfo } from './initBackend.js';

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

// Run in a child process by probeAdapterInNode: prints the adapter's info as one JSON line (null: no adapter).
const PROBE = `
const dawn = await import(process.argv[1]);
Object.assign(globalThis, dawn.globals);
const adapter = await dawn.create([]).requestAdapter();
const i = adapter?.info ?? {};
const keys = ['vendor', 'architecture', 'device', 'description'];
console.log(JSON.stringify(adapter ? { ...Object.fromEntries(keys.map((k) => [k, i[k] ?? ''])), isFallbackAdapter: i.isFallbackAdapter === true } : null));
process.exit(0);
`;

/**
 * Node: what Dawn's adapter says about itself, asked in a child process, so that Dawn's own warnings (printed
 * natively to stderr when it opens a Vulkan adapter, e.g. "maxDynamicUniformBuffersPerPipelineLayout
 * artificially reduced") stay out of this process's output when the adapter turns out to be a software one
 * that initBackend passes over. Undefined where that cannot be asked this way (a browser, `navigator.gpu`
 * already set up here, the `webgpu` package missing, or the child failing): then ask in-process.
 */
export async function probeAdapterInNode(): Promise<AdapterInfo | null | undefined> {
  if (!isNode || (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu) return undefined;
  try {
    const { pathToFileURL } = await importNodeOnly<typeof import('node:url')>('node:url');
    const { execFile } = await importNodeOnly<typeof import('node:child_process')>('node:child_process');
    const dawn = pathToFileURL(await resolveFromCore('webgpu')).href;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', PROBE, dawn], { timeout: 60_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });
    const line = stdout.split('\n').find((l) => l.startsWith('{') || l === 'null');
    return line === undefined ? undefined : (JSON.parse(line) as AdapterInfo | null);
  } catch {
    return undefined;
  }
}
