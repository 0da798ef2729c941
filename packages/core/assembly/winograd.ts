// Tiefe's Winograd F(2x2, 3x3) transforms for 3x3 stride-1 convolutions, in AssemblyScript, on tfjs-backend-wasm's
// own memory (imported, never allocated here: every pointer is a byte offset of float32 data the backend
// allocated; no data segment, no scratch memory, only locals). A second module beside kernels.ts so that each
// stays under 4 KB (a browser compiles such modules synchronously). The convolution itself is 16 matrix
// products between the input and the output transform (src/backend/kernels/wasm/winograd.ts): 16 products per
// 2x2 output tile and channel pair instead of 36. Matrices (Lavin & Gray 2016): B^T = [1 0 -1 0; 0 1 1 0;
// 0 -1 1 0; 0 1 0 -1], G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1], A^T = [1 1 1 0; 0 1 -1 -1]. Element
// k = 4r + s of a 4x4 tile goes to (or comes from) matrix k. Four channels at a time, one per SIMD lane.

/**
 * Input transform: for each 4x4 tile (stride 2) of x, padded NHWC [batch, 2*tilesH + 2, 2*tilesW + 2, ch],
 * U = B^T d B; element k of tile t, channel c goes to u as [16, T, ch] (T tiles, row-major in b, ty, tx), its
 * matrices `plane` bytes apart (given, so that a call can do some of the images). ch a multiple of 4.
 */
export function winogradInput(x: usize, u: usize, batch: i32, tilesH: i32, tilesW: i32, ch: i32, plane: usize): void {
  const wp = 2 * tilesW + 2;
  const pixel = (<usize>ch) << 2;
  const row = <usize>wp * pixel;
  for (let b = 0; b < batch; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx++) {
        const t = (b * tilesH + ty) * tilesW + tx;
        const corner = x + <usize>((b * (2 * tilesH + 2) + 2 * ty) * wp + 2 * tx) * pixel;
        for (let c = 0; c < ch; c += 4) {
          const at = corner + ((<usize>c) << 2);
          const d00 = v128.load(at + 0 * row + 0 * pixel);
          const d01 = v128.load(at + 0 * row + 1 * pixel);
          const d02 = v128.load(at + 0 * row + 2 * pixel);
          const d03 = v128.load(at + 0 * row + 3 * pixel);
          const d10 = v128.load(at + 1 * row + 0 * pixel);
          const d11 = v128.load(at + 1 * row + 1 * pixel);
          const d12 = v128.load(at + 1 * row + 2 * pixel);
          const d13 = v128.load(at + 1 * row + 3 * pixel);
          const d20 = v128.load(at + 2 * row + 0 * pixel);
          const d21 = v128.load(at + 2 * row + 1 * pixel);
          const d22 = v128.load(at + 2 * row + 2 * pixel);
          const d23 = v128.load(at + 2 * row + 3 * pixel);
          const d30 = v128.load(at + 3 * row + 0 * pixel);
          const d31 = v128.load(at + 3 * row + 1 * pixel);
          const d32 = v128.load(at + 3 * row + 2 * pixel);
          const d33 = v128.load(at + 3 * row + 3 * pixel);
          // B^T d: rows combined, column by column.
          const h00 = f32x4.sub(d00, d20);
          const h10 = f32x4.add(d10, d20);
          const h20 = f32x4.sub(d20, d10);
          const h30 = f32x4.sub(d10, d30);
          const h01 = f32x4.sub(d01, d21);
          const h11 = f32x4.add(d11, d21);
          const h21 = f32x4.sub(d21, d11);
          const h31 = f32x4.sub(d11, d31);
          const h02 = f32x4.sub(d02, d22);
          const h12 = f32x4.add(d12, d22);
          const h22 = f32x4.sub(d22, d12);
          const h32 = f32x4.sub(d12, d32);
          const h03 = f32x4.sub(d03, d23);
          const h13 = f32x4.add(d13, d23);
          const h23 = f32x4.sub(d23, d13);
          const h33 = f32x4.sub(d13, d33);
          // ... times B: columns combined, row by row, out to the 16 matrices.
          const to = u + ((<usize>(t * ch + c)) << 2);
          v128.store(to + 0 * plane, f32x4.sub(h00, h02));
          v128.store(to + 1 * plane, f32x4.add(h01, h02));
          v128.store(to + 2 * plane, f32x4.sub(h02, h01));
          v128.store(to + 3 * plane, f32x4.sub(h01, h03));
          v128.store(to + 4 * plane, f32x4.sub(h10, h12));
          v128.store(to + 5 * plane, f32x4.add(h11, h12));
          v128.store(to + 6 * plane, f32x4.sub(h12, h11));
          v128.store(to + 7 * plane, f32x4.sub(h11, h13));
          v128.store(to + 8 * plane, f32x4.sub(h20, h22));
          v128.store(to + 9 * plane, f32x4.add(h21, h22));
          v128.store(to + 10 * plane, f32x4.sub(h22, h21));
          v128.store(to + 11 * plane, f32x4.sub(h21, h23));
          v128.store(to + 12 * plane, f32x4.sub(h30, h32));
          v128.store(to + 13 * plane, f32x4.add(h31, h32));
          v128.store(to + 14 * plane, f32x4.sub(h32, h31));
          v128.store(to + 15 * plane, f32x4.sub(h31, h33));
        }
      }
    }
  }
}

/**
 * Filter transform: V = G g G^T of each 3x3 slice of w (HWIO [3, 3, ch, out]), written as [16, ch, out]. out a
 * multiple of 4.
 */
export function winogradFilter(w: usize, v: usize, ch: i32, out: i32): void {
  const tap = (<usize>ch * out) << 2;
  const plane = tap;
  const half = f32x4.splat(0.5);
  for (let c = 0; c < ch; c++) {
    for (let o = 0; o < out; o += 4) {
      const from = w + ((<usize>(c * out + o)) << 2);
      const g00 = v128.load(from + 0 * tap);
      const g01 = v128.load(from + 1 * tap);
      const g02 = v128.load(from + 2 * tap);
      const g10 = v128.load(from + 3 * tap);
      const g11 = v128.load(from + 4 * tap);
      const g12 = v128.load(from + 5 * tap);
      const g20 = v128.load(from + 6 * tap);
      const g21 = v128.load(from + 7 * tap);
      const g22 = v128.load(from + 8 * tap);
      // G g: rows combined, column by column.
      const s0 = f32x4.mul(f32x4.add(g00, g20), half);
      const m0 = f32x4.mul(g10, half);
      const q10 = f32x4.add(s0, m0);
      const q20 = f32x4.sub(s0, m0);
      const s1 = f32x4.mul(f32x4.add(g01, g21), half);
      const m1 = f32x4.mul(g11, half);
      const q11 = f32x4.add(s1, m1);
      const q21 = f32x4.sub(s1, m1);
      const s2 = f32x4.mul(f32x4.add(g02, g22), half);
      const m2 = f32x4.mul(g12, half);
      const q12 = f32x4.add(s2, m2);
      const q22 = f32x4.sub(s2, m2);
      // ... times G^T: columns combined, row by row.
      const to = from - w + v;
      const t0 = f32x4.mul(f32x4.add(g00, g02), half);
      const n0 = f32x4.mul(g01, half);
      v128.store(to + 0 * plane, g00);
      v128.store(to + 1 * plane, f32x4.add(t0, n0));
      v128.store(to + 2 * plane, f32x4.sub(t0, n0));
      v128.store(to + 3 * plane, g02);
      const t1 = f32x4.mul(f32x4.add(q10, q12), half);
      const n1 = f32x4.mul(q11, half);
      v128.store(to + 4 * plane, q10);
      v128.store(to + 5 * plane, f32x4.add(t1, n1));
      v128.store(to + 6 * plane, f32x4.sub(t1, n1));
      v128.store(to + 7 * plane, q12);
      const t2 = f32x4.mul(f32x4.add(q20, q22), half);
      const n2 = f32x4.mul(q21, half);
      v128.store(to + 8 * plane, q20);
      v128.store(to + 9 * plane, f32x4.add(t2, n2));
      v128.store(to + 10 * plane, f32x4.sub(t2, n2));
      v128.store(to + 11 * plane, q22);
      const t3 = f32x4.mul(f32x4.add(g20, g22), half);
      const n3 = f32x4.mul(g21, half);
      v128.store(to + 12 * plane, g20);
      v128.store(to + 13 * plane, f32x4.add(t3, n3));
      v128.store(to + 14 * plane, f32x4.sub(t3, n3));
      v128.store(to + 15 * plane, g22);
    }
  }
}

/**
 * Output transform: Y = A^T M A of each tile, written as its 2x2 pixels of y (NHWC [batch, 2*tilesH, 2*tilesW,
 * out]). Matrix k of M, [T, out], starts at the byte offset held by the k-th i32 at `table` (the 16 products are
 * separate tensors).
 */
export function winogradOutput(table: usize, y: usize, batch: i32, tilesH: i32, tilesW: i32, out: i32): void {
  const pixel = (<usize>out) << 2;
  const row = <usize>(2 * tilesW) * pixel;
  const p0 = <usize>load<i32>(table + 0);
  const p1 = <usize>load<i32>(table + 4);
  const p2 = <usize>load<i32>(table + 8);
  const p3 = <usize>load<i32>(table + 12);
  const p4 = <usize>load<i32>(table + 16);
  const p5 = <usize>load<i32>(table + 20);
  const p6 = <usize>load<i32>(table + 24);
  const p7 = <usize>load<i32>(table + 28);
  const p8 = <usize>load<i32>(table + 32);
  const p9 = <usize>load<i32>(table + 36);
  const p10 = <usize>load<i32>(table + 40);
  const p11 = <usize>load<i32>(table + 44);
  const p12 = <usize>load<i32>(table + 48);
  const p13 = <usize>load<i32>(table + 52);
  const p14 = <usize>load<i32>(table + 56);
  const p15 = <usize>load<i32>(table + 60);
  for (let b = 0; b < batch; b++) {
    for (let ty = 0; ty < tilesH; ty++) {
      for (let tx = 0; tx < tilesW; tx++) {
        const t = (b * tilesH + ty) * tilesW + tx;
        const corner = y + <usize>((b * 2 * tilesH + 2 * ty) * 2 * tilesW + 2 * tx) * pixel;
        for (let o = 0; o < out; o += 4) {
          const at = (<usize>(t * out + o)) << 2;
          const m00 = v128.load(p0 + at);
          const m01 = v128.load(p1 + at);
          const m02 = v128.load(p2 + at);
          const m03 = v128.load(p3 + at);
          const m10 = v128.load(p4 + at);
          const m11 = v128.load(p5 + at);
          const m12 = v128.load(p6 + at);
          const m13 = v128.load(p7 + at);
          const m20 = v128.load(p8 + at);
          const m21 = v128.load(p9 + at);
          const m22 = v128.load(p10 + at);
          const m23 = v128.load(p11 + at);
          const m30 = v128.load(p12 + at);
          const m31 = v128.load(p13 + at);
          const m32 = v128.load(p14 + at);
          const m33 = v128.load(p15 + at);
          // A^T M: rows combined, column by column.
          const a0 = f32x4.add(f32x4.add(m00, m10), m20);
          const e0 = f32x4.sub(f32x4.sub(m10, m20), m30);
          const a1 = f32x4.add(f32x4.add(m01, m11), m21);
          const e1 = f32x4.sub(f32x4.sub(m11, m21), m31);
          const a2 = f32x4.add(f32x4.add(m02, m12), m22);
          const e2 = f32x4.sub(f32x4.sub(m12, m22), m32);
          const a3 = f32x4.add(f32x4.add(m03, m13), m23);
          const e3 = f32x4.sub(f32x4.sub(m13, m23), m33);
          // ... times A: columns combined, to the tile's four pixels.
          const px = corner + ((<usize>o) << 2);
          v128.store(px + 0 * row, f32x4.add(f32x4.add(a0, a1), a2));
          v128.store(px + 0 * row + pixel, f32x4.sub(f32x4.sub(a1, a2), a3));
          v128.store(px + 1 * row, f32x4.add(f32x4.add(e0, e1), e2));
          v128.store(px + 1 * row + pixel, f32x4.sub(f32x4.sub(e1, e2), e3));
        }
      }
    }
  }
}
