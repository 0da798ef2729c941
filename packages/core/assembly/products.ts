// Tiefe's single-threaded SIMD matrix product for the one shape XNNPACK serves badly in training: a few rows
// times a long inner dimension (a first layer's filter gradient, dW = P^T dy with P^T [kh*kw*C, B*oh*ow]). XNNPACK
// first packs its second operand, a new one each step, at ~4-7 ns an element: there, packing costs several times
// the products. In AssemblyScript on tfjs-backend-wasm's memory (imported; pointers are byte offsets of float32
// data the backend allocated; no data segment, no scratch memory, only locals). A module of its own beside
// kernels.ts and winograd.ts so that each stays under 4 KB (a browser compiles such modules synchronously).

/** Inner-dimension elements per block: a block of b (BLOCK rows of `cols` floats) stays in the L1/L2 cache. */
const BLOCK = 256;

/**
 * out = a b: a [rows, inner], b [inner, cols], out [rows, cols], row-major; cols a multiple of 4. Four rows of a
 * by eight columns of b at a time (8 SIMD accumulators, in locals), then the last four columns and the last rows
 * with fewer, over blocks of the inner dimension, each block's sums added onto out.
 */
export function matMulRows(a: usize, b: usize, out: usize, rows: i32, inner: i32, cols: i32): void {
  memory.fill(out, 0, (<usize>rows * cols) << 2);
  const rowBytes = (<usize>inner) << 2;
  const bRow = (<usize>cols) << 2;
  for (let k0 = 0; k0 < inner; k0 += BLOCK) {
    const k1 = min(inner, k0 + BLOCK);
    const bBlock = b + <usize>k0 * bRow;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const a0 = a + <usize>r * rowBytes + ((<usize>k0) << 2);
      const o = out + <usize>r * bRow;
      let c = 0;
      for (; c + 8 <= cols; c += 8) {
        let s00 = f32x4.splat(0);
        let s01 = f32x4.splat(0);
        let s10 = f32x4.splat(0);
        let s11 = f32x4.splat(0);
        let s20 = f32x4.splat(0);
        let s21 = f32x4.splat(0);
        let s30 = f32x4.splat(0);
        let s31 = f32x4.splat(0);
        let bAt = bBlock + ((<usize>c) << 2);
        let at = a0;
        for (let k = k0; k < k1; k++, bAt += bRow, at += 4) {
          const b0 = v128.load(bAt);
          const b1 = v128.load(bAt, 16);
          const x0 = f32x4.splat(load<f32>(at));
          const x1 = f32x4.splat(load<f32>(at + rowBytes));
          const x2 = f32x4.splat(load<f32>(at + 2 * rowBytes));
          const x3 = f32x4.splat(load<f32>(at + 3 * rowBytes));
          s00 = f32x4.add(s00, f32x4.mul(x0, b0));
          s01 = f32x4.add(s01, f32x4.mul(x0, b1));
          s10 = f32x4.add(s10, f32x4.mul(x1, b0));
          s11 = f32x4.add(s11, f32x4.mul(x1, b1));
          s20 = f32x4.add(s20, f32x4.mul(x2, b0));
          s21 = f32x4.add(s21, f32x4.mul(x2, b1));
          s30 = f32x4.add(s30, f32x4.mul(x3, b0));
          s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        }
        const oc = o + ((<usize>c) << 2);
        addTo(oc, s00);
        addTo(oc + 16, s01);
        addTo(oc + bRow, s10);
        addTo(oc + bRow + 16, s11);
        addTo(oc + 2 * bRow, s20);
        addTo(oc + 2 * bRow + 16, s21);
        addTo(oc + 3 * bRow, s30);
        addTo(oc + 3 * bRow + 16, s31);
      }
      if (c < cols) {
        // The last four columns.
        let s0 = f32x4.splat(0);
        let s1 = f32x4.splat(0);
        let s2 = f32x4.splat(0);
        let s3 = f32x4.splat(0);
        let bAt = bBlock + ((<usize>c) << 2);
        let at = a0;
        for (let k = k0; k < k1; k++, bAt += bRow, at += 4) {
          const b0 = v128.load(bAt);
          s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(at)), b0));
          s1 = f32x4.add(s1, f32x4.mul(f32x4.splat(load<f32>(at + rowBytes)), b0));
          s2 = f32x4.add(s2, f32x4.mul(f32x4.splat(load<f32>(at + 2 * rowBytes)), b0));
          s3 = f32x4.add(s3, f32x4.mul(f32x4.splat(load<f32>(at + 3 * rowBytes)), b0));
        }
        const oc = o + ((<usize>c) << 2);
        addTo(oc, s0);
        addTo(oc + bRow, s1);
        addTo(oc + 2 * bRow, s2);
        addTo(oc + 3 * bRow, s3);
      }
    }
    // The last rows, one at a time, four columns at a time.
    for (; r < rows; r++) {
      const a0 = a + <usize>r * rowBytes + ((<usize>k0) << 2);
      for (let c = 0; c < cols; c += 4) {
        let s = f32x4.splat(0);
        let bAt = bBlock + ((<usize>c) << 2);
        let at = a0;
        for (let k = k0; k < k1; k++, bAt += bRow, at += 4) {
          s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(at)), v128.load(bAt)));
        }
        addTo(out + <usize>r * bRow + ((<usize>c) << 2), s);
      }
    }
  }
}

/** out[0..4) += s. */
function addTo(out: usize, s: v128): void {
  v128.store(out, f32x4.add(v128.load(out), s));
}
