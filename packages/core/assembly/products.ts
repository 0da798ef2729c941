// Tiefe's SIMD matrix product, for the products of training, whose second operand is new every call (a gradient,
// a patch matrix, a Winograd-transformed filter, weights a step has replaced): XNNPACK first packs that operand,
// single threaded, at ~4-13 ns an element; this product packs nothing and reads its first operand as it lies,
// row-major or transposed (a patch matrix for a filter gradient). helperThreads.ts runs it on every core, in
// chunks of rows or whole products. Also im2col, the patch matrix it multiplies. In AssemblyScript on
// tfjs-backend-wasm's memory (imported; pointers are byte offsets of float32 data the backend allocated; no data
// segment, no scratch memory, only locals). A module of its own beside kernels.ts and winograd.ts so that each
// stays under 4 KB (a browser compiles such modules synchronously).

/**
 * Bytes of b per block of the inner dimension: each 4-row block of a walks such a block of b once per 8 columns,
 * so it has to stay in the L2 cache (256-512 KB a core on current x86 and ARM cores).
 */
const BLOCK_BYTES = 128 << 10;

/**
 * out = a b: a [rows, inner] with its element (r, k) at a + r*aRow + k*aInner bytes (aRow = 4*inner, aInner = 4
 * for a row-major a; aRow = 4, aInner = 4*lda for a stored transposed, [inner, lda], as im2col's patch matrix
 * is for a filter gradient), b [inner, cols] and out [rows, cols] row-major; cols a multiple of 4. Four rows of a
 * by eight columns of b at a time (8 SIMD accumulators, in locals), then the last four columns and the last rows
 * with fewer, over blocks of the inner dimension, the first block's sums stored to out, each later one's added.
 */
export function matMulRows(
  a: usize,
  aRow: usize,
  aInner: usize,
  b: usize,
  out: usize,
  rows: i32,
  inner: i32,
  cols: i32,
): void {
  const bRow = (<usize>cols) << 2;
  if (inner <= 0) memory.fill(out, 0, <usize>rows * bRow);
  const block = max(16, <i32>(BLOCK_BYTES / bRow));
  for (let k0 = 0; k0 < inner; k0 += block) {
    const k1 = min(inner, k0 + block);
    const first = k0 === 0;
    const bBlock = b + <usize>k0 * bRow;
    let r = 0;
    for (; r + 4 <= rows; r += 4) {
      const a0 = a + <usize>r * aRow + <usize>k0 * aInner;
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
        for (let k = k0; k < k1; k++, bAt += bRow, at += aInner) {
          const b0 = v128.load(bAt);
          const b1 = v128.load(bAt, 16);
          const x0 = v128.load32_splat(at);
          const x1 = v128.load32_splat(at + aRow);
          const x2 = v128.load32_splat(at + 2 * aRow);
          const x3 = v128.load32_splat(at + 3 * aRow);
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
        addTo(first, oc, s00);
        addTo(first, oc + 16, s01);
        addTo(first, oc + bRow, s10);
        addTo(first, oc + bRow + 16, s11);
        addTo(first, oc + 2 * bRow, s20);
        addTo(first, oc + 2 * bRow + 16, s21);
        addTo(first, oc + 3 * bRow, s30);
        addTo(first, oc + 3 * bRow + 16, s31);
      }
      if (c < cols) {
        // The last four columns.
        let s0 = f32x4.splat(0);
        let s1 = f32x4.splat(0);
        let s2 = f32x4.splat(0);
        let s3 = f32x4.splat(0);
        let bAt = bBlock + ((<usize>c) << 2);
        let at = a0;
        for (let k = k0; k < k1; k++, bAt += bRow, at += aInner) {
          const b0 = v128.load(bAt);
          s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(at), b0));
          s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(at + aRow), b0));
          s2 = f32x4.add(s2, f32x4.mul(v128.load32_splat(at + 2 * aRow), b0));
          s3 = f32x4.add(s3, f32x4.mul(v128.load32_splat(at + 3 * aRow), b0));
        }
        const oc = o + ((<usize>c) << 2);
        addTo(first, oc, s0);
        addTo(first, oc + bRow, s1);
        addTo(first, oc + 2 * bRow, s2);
        addTo(first, oc + 3 * bRow, s3);
      }
    }
    // The last rows, one at a time, four columns at a time.
    for (; r < rows; r++) {
      const a0 = a + <usize>r * aRow + <usize>k0 * aInner;
      for (let c = 0; c < cols; c += 4) {
        let s = f32x4.splat(0);
        let bAt = bBlock + ((<usize>c) << 2);
        let at = a0;
        for (let k = k0; k < k1; k++, bAt += bRow, at += aInner) {
          s = f32x4.add(s, f32x4.mul(v128.load32_splat(at), v128.load(bAt)));
        }
        addTo(first, out + <usize>r * bRow + ((<usize>c) << 2), s);
      }
    }
  }
}

/**
 * `count` products {@link matMulRows}, the i-th on a + i*aStep, b + i*bStep and out + i*outStep (bytes): the 16
 * products of a Winograd transform, taken whole by each thread (helperThreads.ts splits `count`).
 */
export function matMulBatch(
  count: i32,
  a: usize,
  aStep: usize,
  b: usize,
  bStep: usize,
  out: usize,
  outStep: usize,
  aRow: usize,
  aInner: usize,
  rows: i32,
  inner: i32,
  cols: i32,
): void {
  for (let i = 0; i < count; i++) {
    matMulRows(a + i * aStep, aRow, aInner, b + i * bStep, out + i * outStep, rows, inner, cols);
  }
}

/** out[0..4) = s for the first block of the inner dimension (out's old values unread), else += s. */
function addTo(first: bool, out: usize, s: v128): void {
  v128.store(out, first ? s : f32x4.add(v128.load(out), s));
}

/**
 * im2col, the patch matrix of a convolution: out[(b,p,q), (i,j,c)] = x[b, p*sh + i*dh - top, q*sw + j*dw - left, c]
 * (0 outside x), [batch*outH*outW, kh*kw*inC], x NHWC. Each tap's inC channels are one contiguous run in x and in
 * out, copied four channels at a time when inC allows. (Beside the product it feeds: kernels.ts is at its 4 KB.)
 */
export function im2col(
  x: usize,
  out: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  inC: i32,
  outH: i32,
  outW: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  dh: i32,
  dw: i32,
  top: i32,
  left: i32,
): void {
  const run = (<usize>inC) << 2;
  const vectors = (inC & 3) === 0;
  let to = out;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outH; p++) {
      for (let q = 0; q < outW; q++) {
        for (let i = 0; i < kh; i++) {
          const h = p * sh + i * dh - top;
          if (h < 0 || h >= inH) {
            memory.fill(to, 0, run * kw);
            to += run * kw;
            continue;
          }
          const row = x + ((<usize>(b * inH + h) * inW * inC) << 2);
          for (let j = 0; j < kw; j++, to += run) {
            const w = q * sw + j * dw - left;
            if (w < 0 || w >= inW) memory.fill(to, 0, run);
            else if (vectors) {
              const from = row + ((<usize>w * inC) << 2);
              for (let o: usize = 0; o < run; o += 16) v128.store(to + o, v128.load(from + o));
            } else memory.copy(to, row + ((<usize>w * inC) << 2), run);
          }
        }
      }
    }
  }
}
