import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { inChunks } from './helperThreads.js';
import { productsBinary } from './productsBinary.js';

/**
 * Multiply-adds below which a product stays on the calling thread: waking a helper takes tens of microseconds,
 * and a product of few rows streams its long operands from memory, which a second core does not speed up
 * ([9, 43264] x [43264, 32], a first layer's filter gradient: 1.4 ms either way).
 */
const PARALLEL_MIN_WORK = 1 << 21;
const PARALLEL_MIN_ROWS = 16;

/**
 * Tiefe's SIMD product (assembly/products.ts's matMulRows; `args` as it takes them: a, a's row and inner strides
 * in bytes, b, out, rows, inner, cols) on the helper threads too when they run ({@link inChunks}): chunks of 4
 * rows and more, each moving a by its row stride and out by a row. Unlike an XNNPACK product it packs nothing, so
 * a new second operand costs nothing extra; two threads, a new b each call, against XNNPACK: [288, 7744] x
 * [7744, 64] (the reference CNN's conv2 filter gradient) 4.6 against 7.9 ms.
 */
export function matMulRows(
  backend: BackendWasm,
  args: [a: number, aRow: number, aInner: number, b: number, out: number, rows: number, inner: number, cols: number],
): void {
  const [, aRow, , , , rows, inner, cols] = args;
  const split = rows >= PARALLEL_MIN_ROWS && rows * inner * cols >= PARALLEL_MIN_WORK;
  inChunks(
    backend,
    productsBinary,
    'matMulRows',
    args,
    split
      ? {
          count: 5,
          moves: [
            [0, aRow],
            [4, 4 * cols],
          ],
          multiple: 4,
        }
      : undefined,
  );
}

/**
 * `count` products of Tiefe's SIMD product (assembly/products.ts's matMulBatch; `args` as it takes them: count,
 * a, its step, b, its step, out, its step (bytes), then a's row and inner strides, rows, inner, cols), each thread
 * taking whole products: Winograd's 16, which are too small to split by rows well (a chunk of rows streams all of
 * its b).
 */
export function matMulBatch(
  backend: BackendWasm,
  args: [
    count: number,
    a: number,
    aStep: number,
    b: number,
    bStep: number,
    out: number,
    outStep: number,
    aRow: number,
    aInner: number,
    rows: number,
    inner: number,
    cols: number,
  ],
): void {
  const [, , aStep, , bStep, , outStep] = args;
  inChunks(backend, productsBinary, 'matMulBatch', args, {
    count: 0,
    moves: [
      [1, aStep],
      [3, bStep],
      [5, outStep],
    ],
  });
}
