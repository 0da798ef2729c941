import * as tf from '@tensorflow/tfjs-core';
import { BackendError, InputError } from '../../errors.js';
import { isNode } from '../../platform.js';
import { describeValue } from '../../validate.js';

/** The three binaries of `@tensorflow/tfjs-backend-wasm`; tfjs fetches the one the browser can run. */
export const WASM_BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** The name of one of {@link WASM_BINARIES}. */
export type WasmBinaryName = (typeof WASM_BINARIES)[number];

/**
 * Where the browser fetches the wasm binaries: a folder URL ending in `/` (absolute, or relative to the page)
 * that holds all three, or a URL for each binary.
 */
export type WasmPaths = string | Record<WasmBinaryName, string>;

/**
 * The folder the binaries are fetched from in a browser when `initBackend` is given no `wasmPaths`: the jsDelivr
 * copy of the installed `@tensorflow/tfjs-backend-wasm` version. Without this tfjs looks next to the page, where
 * a bundled app has no such files (a 404, and the backend silently did not start).
 */
export async function defaultWasmPaths(): Promise<string> {
  const { version_wasm } = await import('@tensorflow/tfjs-backend-wasm');
  return `https://cdn.jsdelivr.net/npm/@tensorflow/tfjs-backend-wasm@${version_wasm}/dist/`;
}

/** Checks the `wasmPaths` option of `initBackend`. */
export function checkWasmPaths(name: string, v: unknown): WasmPaths {
  if (typeof v === 'string' && v.endsWith('/')) return v;
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const map = v as Record<string, unknown>;
    if (WASM_BINARIES.every((b) => typeof map[b] === 'string' && map[b] !== '')) return map as WasmPaths;
  }
  throw new InputError(
    name,
    `a folder URL ending in '/', or an object with a URL for each of ${WASM_BINARIES.join(', ')}`,
    describeValue(v),
  );
}

// tfjs 4.22 cannot recover from a failed load: it refuses setWasmPaths afterwards, and a second start would wait
// forever (its abort handler only fires once). So the first failure is remembered and repeated.
let loadFailure: BackendError | undefined;

/**
 * Tells tfjs where the binaries are (`setWasmPaths`), before the wasm backend first starts. In Node `paths` is
 * usually undefined: tfjs then reads the package's own files from disk.
 */
export async function locateWasmFiles(paths: WasmPaths | undefined): Promise<void> {
  if (loadFailure) throw loadFailure;
  if (paths === undefined || (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm) return;
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(paths);
}

/**
 * After `tf.setBackend('wasm')` failed: which binary tfjs chose, from which URL, why it did not load (in a
 * browser the URL is fetched again to see its status), and how to fix it.
 */
export async function wasmLoadFailure(paths: WasmPaths | undefined): Promise<BackendError> {
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  // The same choice as tfjs's getPathToWasmBinary.
  const name: WasmBinaryName = simd
    ? threads
      ? 'tfjs-backend-wasm-threaded-simd.wasm'
      : 'tfjs-backend-wasm-simd.wasm'
    : 'tfjs-backend-wasm.wasm';
  const where = paths === undefined ? `./${name}` : typeof paths === 'string' ? `${paths}${name}` : paths[name];
  const base = isNode ? undefined : globalThis.location?.href;
  const url = base ? new URL(where, base).href : where;
  let why = '';
  if (!isNode) {
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      why = response.ok
        ? `it downloads (HTTP ${response.status}, ${response.headers.get('content-type') ?? 'no content type'}) but did not start: is it the file of @tensorflow/tfjs-backend-wasm ${(await import('@tensorflow/tfjs-backend-wasm')).version_wasm}, served as application/wasm?`
        : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      await response.body?.cancel();
    } catch (e) {
      why = `the request failed: ${(e as Error).message}`;
    }
  }
  loadFailure = new BackendError(
    `wasm: could not load ${name} from ${url}${why ? ` (${why})` : ''}. The binaries ship in ` +
      'node_modules/@tensorflow/tfjs-backend-wasm/dist/; serve that folder and pass its URL, ' +
      "initBackend({ wasmPaths: '/assets/tfjs-wasm/' }), or a URL for each binary. tfjs cannot retry a failed " +
      'wasm start: reload the page after fixing it.',
  );
  return loadFailure;
}
