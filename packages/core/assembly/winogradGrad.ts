// The Winograd transforms of a 3x3 'same' convolution's filter gradient, F(3x3, 2x2): dW = G^T [sum over tiles
// (A e A^T) * (B^T d B)] G, d a 4x4 tile of the padded input (stride 2, the forward's input tiles: winograd.ts's
// winogradInput), e the 2x2 tile of dy at the same place, * elementwise, G, B^T and A^T the matrices of the
// forward F(2x2, 3x3) (winograd.ts). Read for the gradient with respect to the filter, the forward's bilinear
// form gives exactly this: the dy transform is the adjoint of the forward's output transform, the last one the
// adjoint of its filter transform. The sum over tiles is 16 products U_k^T V_k [C, T] x [T, O] between
// (src/backend/kernels/wasm/winogradGrad.ts): 16 multiplications per tile and channel pair instead of 36. On
// tfjs-backend-wasm's memory (imported; pointers are byte offsets of float32 data the backend allocated; no data
// segment, no scratch memory), a module of its own so that each stays under 4 KB. Four channels per SIMD lane set.

/**
 * dy transform: V = A e A^T of each 2x2 tile e of dy (NHWC [batch, 2*tilesH, 2*tilesW, out]), A = [1 0; 1 1;
 * 1 -1; 0 -1]; element k = 4r + s of tile t, channel o goes to v as [16, T, out] (T tiles, row-major in b, ty,
 * tx), its matrices `plane` bytes apart (given, so that a call can do some of the images). out a multiple of 4.
 */
export function winogradGradTiles(
  dy: usize,
  v: usize,
  batch: i32,
  tilesH: i32,
  tilesW: i32,
  out: i32,
  plane: usize,
): void {
  const pixel = (<usize>out) << 2;
  const row = <usize>(2 * tilesW) * pixel;
  for (let b = 0; b < batch; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx++) {
        const t = (b * tilesH + ty) * tilesW + tx;
        const corner = dy + <usize>((b * 2 * tilesH + 2 * ty) * 2 * tilesW + 2 * tx) * pixel;
        for (let o = 0; o < out; o += 4) {
          const at = corner + ((<usize>o) << 2);
          const e00 = v128.load(at);
          const e01 = v128.load(at + pixel);
          const e10 = v128.load(at + row);
          const e11 = v128.load(at + row + pixel);
          // A e: rows combined, column by column.
          const h10 = f32x4.add(e00, e10);
          const h20 = f32x4.sub(e00, e10);
          const h11 = f32x4.add(e01, e11);
          const h21 = f32x4.sub(e01, e11);
          // ... times A^T: columns combined, row by row (row 0 of A e is e's row 0, row 3 is minus its row 1).
          const to = v + ((<usize>(t * out + o)) << 2);
          storeRow(to, plane, 0, e00, e01);
          storeRow(to, plane, 4, h10, h11);
          storeRow(to, plane, 8, h20, h21);
          storeRow(to, plane, 12, f32x4.neg(e10), f32x4.neg(e11));
        }
      }
    }
  }
}

/** Row [p, p + q, p - q, -q] (q0, q1: a row's two columns) of a transformed tile, to matrices k..k+3. */
function storeRow(to: usize, plane: usize, k: usize, q0: v128, q1: v128): void {
  v128.store(to + k * plane, q0);
  v128.store(to + (k + 1) * plane, f32x4.add(q0, q1));
  v128.store(to + (k + 2) * plane, f32x4.sub(q0, q1));
  v128.store(to + (k + 3) * plane, f32x4.neg(q1));
}

/**
 * Output transform: dW = G^T M G for each channel pair, M's 16 elements from m [16, ch, out], G^T = [1 1/2 1/2
 * 0; 0 1/2 -1/2 0; 0 1/2 1/2 1], written as HWIO [3, 3, ch, out]; m's matrices and dW's taps are `plane` bytes
 * apart (given, so that a call can do some of the input channels). out a multiple of 4.
 */
export function winogradGradFilter(m: usize, dw: usize, ch: i32, out: i32, plane: usize): void {
  const half = f32x4.splat(0.5);
  for (let c = 0; c < ch; c++) {
    for (let o = 0; o < out; o += 4) {
      const at = (<usize>(c * out + o)) << 2;
      const from = m + at;
      // G^T M: rows combined, column by column (q_i = row i of the 3x4 result).
      let s = f32x4.mul(f32x4.add(v128.load(from + 4 * plane), v128.load(from + 8 * plane)), half);
      let d = f32x4.mul(f32x4.sub(v128.load(from + 4 * plane), v128.load(from + 8 * plane)), half);
      const q00 = f32x4.add(v128.load(from), s);
      const q10 = d;
      const q20 = f32x4.add(s, v128.load(from + 12 * plane));
      s = f32x4.mul(f32x4.add(v128.load(from + 5 * plane), v128.load(from + 9 * plane)), half);
      d = f32x4.mul(f32x4.sub(v128.load(from + 5 * plane), v128.load(from + 9 * plane)), half);
      const q01 = f32x4.add(v128.load(from + plane), s);
      const q11 = d;
      const q21 = f32x4.add(s, v128.load(from + 13 * plane));
      s = f32x4.mul(f32x4.add(v128.load(from + 6 * plane), v128.load(from + 10 * plane)), half);
      d = f32x4.mul(f32x4.sub(v128.load(from + 6 * plane), v128.load(from + 10 * plane)), half);
      const q02 = f32x4.add(v128.load(from + 2 * plane), s);
      const q12 = d;
      const q22 = f32x4.add(s, v128.load(from + 14 * plane));
      s = f32x4.mul(f32x4.add(v128.load(from + 7 * plane), v128.load(from + 11 * plane)), half);
      d = f32x4.mul(f32x4.sub(v128.load(from + 7 * plane), v128.load(from + 11 * plane)), half);
      const q03 = f32x4.add(v128.load(from + 3 * plane), s);
      const q13 = d;
      const q23 = f32x4.add(s, v128.load(from + 15 * plane));
      // ... times G: columns combined, row by row, to taps (i, 0..2).
      const to = dw + at;
      storeTaps(to, plane, 0, q00, q01, q02, q03, half);
      storeTaps(to, plane, 3, q10, q11, q12, q13, half);
      storeTaps(to, plane, 6, q20, q21, q22, q23, half);
    }
  }
}

/** Taps j..j+2 of a filter row from a row [r0 r1 r2 r3] of G^T M: [r0 + (r1+r2)/2, (r1-r2)/2, (r1+r2)/2 + r3]. */
function storeTaps(to: usize, plane: usize, j: usize, r0: v128, r1: v128, r2: v128, r3: v128, half: v128): void {
  const s = f32x4.mul(f32x4.add(r1, r2), half);
  v128.store(to + j * plane, f32x4.add(r0, s));
  v128.store(to + (j + 1) * plane, f32x4.mul(f32x4.sub(r1, r2), half));
  v128.store(to + (j + 2) * plane, f32x4.add(s, r3));
}
