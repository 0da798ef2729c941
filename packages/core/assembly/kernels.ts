// Tiefe's wasm SIMD training kernels, in AssemblyScript. They run on tfjs-backend-wasm's own memory (imported,
// never allocated here): every pointer is a byte offset of float32 data that the backend allocated, so no copy
// goes in or out. Compiled by scripts/build-simd.mjs (in `npm run build` of @tiefe/core); the TypeScript kernels in
// src/backend/kernels/wasm/ compute the geometry and call these. Each loop does in the same order what the
// JavaScript versions did, so results are bit-identical to them.

/** Lane offsets 0..3, added to a splatted element index to get four lanes' own indices. */
const IOTA: v128 = i32x4(0, 1, 2, 3);

/**
 * MaxPoolGrad: dx = 0, then for each window dx[argmax] += dy, the argmax over `x` the first greatest value in
 * row-major window order (later pixels win only when strictly greater, as on tfjs's cpu backend). Channels in
 * groups of four: a SIMD compare keeps each lane's best value and its element index.
 */
export function maxPoolGrad(
  x: usize,
  dy: usize,
  dx: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  ch: i32,
  outH: i32,
  outW: i32,
  sh: i32,
  sw: i32,
  top: i32,
  left: i32,
  effH: i32,
  effW: i32,
  dh: i32,
  dw: i32,
): void {
  const ch4 = ch & ~3;
  // Windows that cannot overlap (stride >= window, as in the usual 2x2/2 pooling) need no read-modify-write,
  // and when they also tile the image exactly every pixel of dx is written, so it needs no zeroing first.
  const disjoint = sh >= effH && sw >= effW;
  const tiles = disjoint && ch4 === ch && top === 0 && left === 0 && effH === sh && effW === sw;
  if (!(tiles && outH * sh === inH && outW * sw === inW)) memory.fill(dx, 0, (<usize>batch * inH * inW * ch) << 2);
  let dyAt: usize = dy;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outH; p++) {
      const r0 = p * sh - top;
      const rMin = max(0, r0);
      const rMax = min(inH, r0 + effH);
      for (let q = 0; q < outW; q++, dyAt += (<usize>ch) << 2) {
        const c0 = q * sw - left;
        const cMin = max(0, c0);
        const cMax = min(inW, c0 + effW);
        if (rMin >= rMax || cMin >= cMax) continue;
        const first = ((b * inH + rMin) * inW + cMin) * ch;
        for (let k = 0; k < ch4; k += 4) {
          let best = v128.load(x + ((<usize>(first + k)) << 2));
          let at = i32x4.add(i32x4.splat(first + k), IOTA);
          for (let r = rMin; r < rMax; r += dh) {
            for (let c = r === rMin ? cMin + dw : cMin; c < cMax; c += dw) {
              const off = ((b * inH + r) * inW + c) * ch + k;
              const v = v128.load(x + ((<usize>off) << 2));
              const greater = f32x4.gt(v, best);
              best = v128.bitselect(v, best, greater);
              at = v128.bitselect(i32x4.add(i32x4.splat(off), IOTA), at, greater);
            }
          }
          const g = v128.load(dyAt + ((<usize>k) << 2));
          if (disjoint) {
            // Each pixel of x is in this window only: write every lane of it, dy where it won, 0 elsewhere.
            for (let r = rMin; r < rMax; r += dh) {
              for (let c = cMin; c < cMax; c += dw) {
                const off = ((b * inH + r) * inW + c) * ch + k;
                const won = i32x4.eq(i32x4.add(i32x4.splat(off), IOTA), at);
                v128.store(dx + ((<usize>off) << 2), v128.and(g, won));
              }
            }
            continue;
          }
          addAt(dx, i32x4.extract_lane(at, 0), f32x4.extract_lane(g, 0));
          addAt(dx, i32x4.extract_lane(at, 1), f32x4.extract_lane(g, 1));
          addAt(dx, i32x4.extract_lane(at, 2), f32x4.extract_lane(g, 2));
          addAt(dx, i32x4.extract_lane(at, 3), f32x4.extract_lane(g, 3));
        }
        for (let k = ch4; k < ch; k++) {
          let best = load<f32>(x + ((<usize>(first + k)) << 2));
          let at = first + k;
          for (let r = rMin; r < rMax; r += dh) {
            for (let c = r === rMin ? cMin + dw : cMin; c < cMax; c += dw) {
              const off = ((b * inH + r) * inW + c) * ch + k;
              const v = load<f32>(x + ((<usize>off) << 2));
              if (v > best) {
                best = v;
                at = off;
              }
            }
          }
          addAt(dx, at, load<f32>(dyAt + ((<usize>k) << 2)));
        }
      }
    }
  }
}

// Small enough that the optimizer inlines it.
function addAt(base: usize, index: i32, value: f32): void {
  const p = base + ((<usize>index) << 2);
  store<f32>(p, load<f32>(p) + value);
}

/**
 * AvgPoolGrad: dx = 0, then each dy value times `scale` (1 / window size) added to every pixel of its window
 * inside the image, four channels at a time.
 */
export function avgPoolGrad(
  dy: usize,
  dx: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  ch: i32,
  outH: i32,
  outW: i32,
  sh: i32,
  sw: i32,
  top: i32,
  left: i32,
  effH: i32,
  effW: i32,
  dh: i32,
  dw: i32,
  scale: f32,
): void {
  memory.fill(dx, 0, (<usize>batch * inH * inW * ch) << 2);
  const ch4 = ch & ~3;
  const s4 = f32x4.splat(scale);
  let dyAt: usize = dy;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outH; p++) {
      const r0 = p * sh - top;
      const rMin = max(0, r0);
      const rMax = min(inH, r0 + effH);
      for (let q = 0; q < outW; q++, dyAt += (<usize>ch) << 2) {
        const c0 = q * sw - left;
        const cMin = max(0, c0);
        const cMax = min(inW, c0 + effW);
        for (let r = rMin; r < rMax; r += dh) {
          for (let c = cMin; c < cMax; c += dw) {
            const to = dx + ((<usize>((b * inH + r) * inW + c) * ch) << 2);
            for (let k = 0; k < ch4; k += 4) {
              const o = (<usize>k) << 2;
              const g = f32x4.mul(v128.load(dyAt + o), s4);
              v128.store(to + o, f32x4.add(v128.load(to + o), g));
            }
            for (let k = ch4; k < ch; k++) {
              const o = (<usize>k) << 2;
              store<f32>(to + o, load<f32>(to + o) + load<f32>(dyAt + o) * scale);
            }
          }
        }
      }
    }
  }
}

/**
 * Sum over leading axes times `scale`: out[c] = scale * sum_i x[i * inner + c] for i < outer, accumulated in
 * float64 in `scratch` (inner float64 values, caller-allocated) and rounded to float32 once at the end (scale 1:
 * Sum; 1 / outer: Mean).
 */
export function sumLeading(x: usize, out: usize, scratch: usize, outer: i32, inner: i32, scale: f64): void {
  memory.fill(scratch, 0, (<usize>inner) << 3);
  const inner4 = inner & ~3;
  let row = x;
  for (let i = 0; i < outer; i++, row += (<usize>inner) << 2) {
    for (let c = 0; c < inner4; c += 4) {
      const v = v128.load(row + ((<usize>c) << 2));
      const acc = scratch + ((<usize>c) << 3);
      v128.store(acc, f64x2.add(v128.load(acc), f64x2.promote_low_f32x4(v)));
      const high = v128.shuffle<f32>(v, v, 2, 3, 0, 1);
      v128.store(acc + 16, f64x2.add(v128.load(acc + 16), f64x2.promote_low_f32x4(high)));
    }
    for (let c = inner4; c < inner; c++) {
      const acc = scratch + ((<usize>c) << 3);
      store<f64>(acc, load<f64>(acc) + <f64>load<f32>(row + ((<usize>c) << 2)));
    }
  }
  for (let c = 0; c < inner; c++) {
    store<f32>(out + ((<usize>c) << 2), <f32>(load<f64>(scratch + ((<usize>c) << 3)) * scale));
  }
}

/**
 * The transposed patch matrix of a convolution's filter gradient, out[(i,j,c), (b,p,q)] =
 * x[b, p*sh + i*dh - top, q*sw + j*dw - left, c] (0 outside x), out of shape [kh*kw*inC, batch*outH*outW].
 * Each output row segment (fixed i, j, c, b, p) is a strided copy of one input row with zeros at both ends.
 */
export function filterPatchesT(
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
  let to = out;
  const rowBytes = (<usize>outW) << 2;
  const step = (<usize>(sw * inC)) << 2;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // Output columns q with 0 <= q*sw + j*dw - left < inW.
      const shift = j * dw - left;
      const qLo = min(outW, shift >= 0 ? 0 : (-shift + sw - 1) / sw);
      const qHi = max(qLo, min(outW, shift >= inW ? 0 : (inW - 1 - shift) / sw + 1));
      for (let c = 0; c < inC; c++) {
        for (let b = 0; b < batch; b++) {
          for (let p = 0; p < outH; p++, to += rowBytes) {
            const h = p * sh + i * dh - top;
            if (h < 0 || h >= inH) {
              memory.fill(to, 0, rowBytes);
              continue;
            }
            memory.fill(to, 0, (<usize>qLo) << 2);
            if (qHi > qLo) {
              let from = x + ((<usize>(((b * inH + h) * inW + qLo * sw + shift) * inC + c)) << 2);
              if (step === 4) memory.copy(to + ((<usize>qLo) << 2), from, (<usize>(qHi - qLo)) << 2);
              else for (let q = qLo; q < qHi; q++, from += step) store<f32>(to + ((<usize>q) << 2), load<f32>(from));
            }
            memory.fill(to + ((<usize>qHi) << 2), 0, (<usize>(outW - qHi)) << 2);
          }
        }
      }
    }
  }
}

/** The side of the square tiles {@link swapAxes} works through, so that a tile's rows and columns stay in cache. */
const TILE = 32;

/**
 * out[b, c, r, k] = x[b, r, c, k] for x of shape [batch, rows, cols, inner] of 4-byte elements: the transpose of
 * the two middle axes, to which tfjs's Transpose kernel reduces the permutations of matmuls and convolutions
 * ([1,0], [0,2,1], [1,0,2], ...). With inner 1 (a plain matrix transpose), 4x4 blocks transposed by SIMD shuffles
 * in TILE x TILE tiles; with wider inner blocks, one copy per block.
 */
export function swapAxes(x: usize, out: usize, batch: i32, rows: i32, cols: i32, inner: i32): void {
  const plane = (<usize>rows * cols * inner) << 2;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * plane;
    const ob = out + <usize>b * plane;
    if (inner > 1) {
      const bytes = (<usize>inner) << 2;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          memory.copy(ob + (<usize>c * rows + r) * bytes, xb + (<usize>r * cols + c) * bytes, bytes);
        }
      }
      continue;
    }
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const rEnd = min(rows, r0 + TILE);
      const r4 = r0 + ((rEnd - r0) & ~3);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const cEnd = min(cols, c0 + TILE);
        const c4 = c0 + ((cEnd - c0) & ~3);
        for (let r = r0; r < r4; r += 4) {
          const row0 = xb + ((<usize>r * cols) << 2);
          const rowBytes = (<usize>cols) << 2;
          for (let c = c0; c < c4; c += 4) {
            const at = row0 + ((<usize>c) << 2);
            const a0 = v128.load(at);
            const a1 = v128.load(at + rowBytes);
            const a2 = v128.load(at + 2 * rowBytes);
            const a3 = v128.load(at + 3 * rowBytes);
            const t0 = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5);
            const t1 = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7);
            const t2 = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
            const t3 = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
            const to = ob + ((<usize>c * rows + r) << 2);
            const colBytes = (<usize>rows) << 2;
            v128.store(to, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
            v128.store(to + colBytes, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
            v128.store(to + 2 * colBytes, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
            v128.store(to + 3 * colBytes, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
          }
          for (let c = c4; c < cEnd; c++) {
            for (let i = r; i < r + 4; i++) {
              store<u32>(ob + ((<usize>c * rows + i) << 2), load<u32>(xb + ((<usize>i * cols + c) << 2)));
            }
          }
        }
        for (let r = r4; r < rEnd; r++) {
          for (let c = c0; c < cEnd; c++) {
            store<u32>(ob + ((<usize>c * rows + r) << 2), load<u32>(xb + ((<usize>r * cols + c) << 2)));
          }
        }
      }
    }
  }
}

/**
 * A strided block copy: `count` runs of `run` bytes, run i from x + i * xStride to out + i * outStride (Slice,
 * SplitV and Concat along an inner axis: one bulk memory.copy per run instead of a JavaScript call per run).
 */
export function copyRuns(x: usize, out: usize, count: i32, run: i32, xStride: i32, outStride: i32): void {
  for (let i = 0; i < count; i++) {
    memory.copy(out + <usize>i * outStride, x + <usize>i * xStride, run);
  }
}

/**
 * Batch norm of x [rows, ch] with per-channel coefficients: out = (x - mean) * a + offset, where mean, a and
 * offset are ch float32 values each at stats, stats + 4 ch and stats + 8 ch (a = scale / sqrt(variance + eps),
 * computed by the caller). Channels four at a time.
 */
export function batchNormRows(x: usize, out: usize, stats: usize, rows: i32, ch: i32): void {
  const ch4 = ch & ~3;
  const rowBytes = (<usize>ch) << 2;
  const aAt = stats + rowBytes;
  const offsetAt = aAt + rowBytes;
  for (let r = 0; r < rows; r++) {
    const from = x + <usize>r * rowBytes;
    const to = out + <usize>r * rowBytes;
    for (let c = 0; c < ch4; c += 4) {
      const k = (<usize>c) << 2;
      const centred = f32x4.sub(v128.load(from + k), v128.load(stats + k));
      v128.store(to + k, f32x4.add(f32x4.mul(centred, v128.load(aAt + k)), v128.load(offsetAt + k)));
    }
    for (let c = ch4; c < ch; c++) {
      const k = (<usize>c) << 2;
      store<f32>(to + k, (load<f32>(from + k) - load<f32>(stats + k)) * load<f32>(aAt + k) + load<f32>(offsetAt + k));
    }
  }
}

/**
 * col2im of a convolution's input gradient: dx = 0, then for each dy pixel (b,p,q) and filter tap (i,j) whose
 * input pixel h = p*sh + i*dh - top, w = q*sw + j*dw - left lies inside, dx[b,h,w,:] += rows[(b,p,q), (i,j,:)];
 * `rows` is [batch*outH*outW, kh*kw*ch], one row per dy pixel. Channels four at a time.
 */
export function col2im(
  rows: usize,
  dx: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  ch: i32,
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
  memory.fill(dx, 0, (<usize>batch * inH * inW * ch) << 2);
  const ch4 = ch & ~3;
  const tapBytes = (<usize>ch) << 2;
  let at = rows;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outH; p++) {
      for (let q = 0; q < outW; q++) {
        for (let i = 0; i < kh; i++) {
          const h = p * sh + i * dh - top;
          for (let j = 0; j < kw; j++, at += tapBytes) {
            const w = q * sw + j * dw - left;
            if (h < 0 || h >= inH || w < 0 || w >= inW) continue;
            const to = dx + ((<usize>((b * inH + h) * inW + w) * ch) << 2);
            for (let c = 0; c < ch4; c += 4) {
              const o = (<usize>c) << 2;
              v128.store(to + o, f32x4.add(v128.load(to + o), v128.load(at + o)));
            }
            for (let c = ch4; c < ch; c++) {
              const o = (<usize>c) << 2;
              store<f32>(to + o, load<f32>(to + o) + load<f32>(at + o));
            }
          }
        }
      }
    }
  }
}
