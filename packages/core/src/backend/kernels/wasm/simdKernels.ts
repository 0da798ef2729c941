import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type * as tf from '@tensorflow/tfjs-core';
import { productsBinary } from './productsBinary.js';
import { simdBinary } from './simdBinary.js';
import { winogradBinary } from './winogradBinary.js';
import { winogradGradBinary } from './winogradGradBinary.js';

/**
 * Tiefe's wasm SIMD kernels (packages/core/assembly/kernels.ts), instantiated on the wasm backend's own memory:
 * arguments are byte offsets of tensors on that heap (see {@link heapOffset}) and sizes. Each writes its whole
 * output, zeros included.
 */
export interface SimdKernels {
  maxPoolGrad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    ch: number,
    outH: number,
    outW: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
    effH: number,
    effW: number,
    dh: number,
    dw: number,
  ): void;
  avgPoolGrad(
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    ch: number,
    outH: number,
    outW: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
    effH: number,
    effW: number,
    dh: number,
    dw: number,
    scale: number,
  ): void;
  /** `scratch`: room for `inner` float64 values; the sums are multiplied by `scale`. */
  sumLeading(x: number, out: number, scratch: number, outer: number, inner: number, scale: number): void;
  /** im2col: the transposed patch matrix of x (see convByPatches.ts's patchMatrixT). */
  filterPatchesT(x: number, out: number, ...geometry: PatchGeometry): void;
  /** out[b, c, r, k] = x[b, r, c, k], x of shape [batch, rows, cols, inner], 4-byte elements. */
  swapAxes(x: number, out: number, batch: number, rows: number, cols: number, inner: number): void;
  /** `count` runs of `run` bytes from x + i * xStride to out + i * outStride (byte offsets and strides). */
  copyRuns(x: number, out: number, count: number, run: number, xStride: number, outStride: number): void;
  /** out = (x - mean) * a + offset per channel of x [rows, ch]; mean, a, offset: ch values each from `stats`. */
  batchNormRows(x: number, out: number, stats: number, rows: number, ch: number): void;
  /** dx = 0, then each dy pixel's row of `rows` [B*oh*ow, kh*kw*C] added onto the input pixels its taps reach. */
  col2im(rows: number, dx: number, ...geometry: PatchGeometry): void;
}

/**
 * The geometry the patch kernels (`filterPatchesT`, im2col, and `col2im`, its adjoint) take after their two
 * pointers: the NHWC input's [batch, inH, inW, inC], the output map's [outH, outW], the filter's [kh, kw], the
 * strides [sh, sw], the dilations [dh, dw] and the top and left padding. Made by convByPatches.ts's
 * `patchGeometry`.
 */
export type PatchGeometry = [
  batch: number,
  inH: number,
  inW: number,
  inC: number,
  outH: number,
  outW: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  top: number,
  left: number,
];

/**
 * The Winograd F(2x2, 3x3) transforms (packages/core/assembly/winograd.ts; see winograd.ts), a module of its
 * own so that each stays under 4 KB. Pointers are byte offsets on the wasm heap; tiles are 2x2 output pixels.
 */
export interface WinogradKernels {
  /**
   * x padded NHWC [batch, 2*tilesH + 2, 2*tilesW + 2, ch] -> u [16, T, ch], T = batch*tilesH*tilesW, u's 16
   * matrices `plane` bytes apart.
   */
  winogradInput(x: number, u: number, batch: number, tilesH: number, tilesW: number, ch: number, plane: number): void;
  /** w HWIO [3, 3, ch, out] -> v [16, ch, out]. */
  winogradFilter(w: number, v: number, ch: number, out: number): void;
  /** The 16 products [T, out] (their offsets: 16 i32 at `table`) -> y NHWC [batch, 2*tilesH, 2*tilesW, out]. */
  winogradOutput(table: number, y: number, batch: number, tilesH: number, tilesW: number, out: number): void;
}

/** A Tiefe wasm module: its plain and shared-memory builds, base64 (made by scripts/build-simd.mjs). */
export type SimdModule = { plain: string; shared: string };

/** Every Tiefe wasm module, in the order the helper threads number their kernels (helperThreads.ts). */
export const SIMD_MODULES: readonly SimdModule[] = [simdBinary, winogradBinary, productsBinary, winogradGradBinary];

// One instance of each module per backend memory (a new wasm backend, e.g. after tf.removeBackend, has a new one).
const instances = new WeakMap<WebAssembly.Memory, Map<object, unknown>>();

/** The Emscripten module's memory: exported by the single-threaded builds, created by JS in the threaded one. */
export function heapMemory(backend: BackendWasm): WebAssembly.Memory {
  const module = backend.wasm as unknown as { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory))
    throw new Error(
      'tiefe wasm kernels: cannot find the memory of the tfjs wasm module (tfjs-backend-wasm 4.22 layout)',
    );
  return memory;
}

/**
 * One of Tiefe's SIMD modules (`binary`: its plain and shared-memory builds) on `backend`'s heap, instantiated on
 * first use. Each module is under 4 KB, so compiling it synchronously is allowed on a browser's main thread too.
 * It needs wasm SIMD, which tfjs's SIMD builds (every current browser and Node) have; on an engine without it
 * this throws and names it.
 */
export function instantiate<T>(backend: BackendWasm, binary: SimdModule): T {
  const memory = heapMemory(backend);
  let modules = instances.get(memory);
  if (!modules) {
    modules = new Map();
    instances.set(memory, modules);
  }
  const known = modules.get(binary);
  if (known) return known as T;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Uint8Array.from(atob(shared ? binary.shared : binary.plain), (c) => c.charCodeAt(0));
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    throw new Error(`tiefe wasm kernels need WebAssembly SIMD, which this engine lacks (${(e as Error).message})`);
  }
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as T;
  modules.set(binary, exports);
  return exports;
}

/** Tiefe's SIMD training kernels (assembly/kernels.ts) on `backend`'s heap. */
export function simdKernels(backend: BackendWasm): SimdKernels {
  return instantiate<SimdKernels>(backend, simdBinary);
}

/** The Winograd transforms (assembly/winograd.ts) on `backend`'s heap. */
export function winogradKernels(backend: BackendWasm): WinogradKernels {
  return instantiate<WinogradKernels>(backend, winogradBinary);
}

/** Byte offset of a tensor's data on the wasm heap (what the SIMD kernels take as a pointer). */
export function heapOffset(backend: BackendWasm, info: tf.TensorInfo): number {
  return backend.dataIdMap.get(info.dataId)!.memoryOffset;
}
