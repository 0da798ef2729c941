/**
 * Perceptual hashes for duplicate search: pHash (Zauner 2010) of every image of a flat NHWC float array. Each
 * image is turned to gray (mean over channels), box-resampled to 32 x 32, transformed by a 2-D DCT-II, and the
 * 8 x 8 lowest frequencies kept; bit k is set where coefficient k is above the median of the 63 non-DC ones.
 * Brightness/contrast changes, mild noise, blur and re-encoding keep nearly every bit; different pictures differ
 * in about half. The resampling and both DCTs fold into two small matrices, so a hash costs 8·(H·W + 8·W)
 * multiply-adds.
 */

/** Box-resampling matrix `[out, size]`: row r averages the input range [r·size/out, (r+1)·size/out). */
function boxMatrix(out: number, size: number): Float64Array {
  const m = new Float64Array(out * size);
  for (let r = 0; r < out; r++) {
    const a = (r * size) / out;
    const b = ((r + 1) * size) / out;
    for (let x = Math.floor(a); x < Math.ceil(b); x++)
      m[r * size + x] = (Math.min(x + 1, b) - Math.max(x, a)) / (b - a);
  }
  return m;
}

/** `rows x inner` times `inner x cols`. */
function matmul(a: Float64Array, b: Float64Array, rows: number, inner: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < inner; k++) {
      const v = a[i * inner + k];
      if (v !== 0) for (let j = 0; j < cols; j++) out[i * cols + j] += v * b[k * cols + j];
    }
  return out;
}

const GRID = 32;
const FREQS = 8;

/** `[FREQS, GRID]` DCT-II basis (unnormalised: only the ordering of coefficients matters). */
function dctMatrix(): Float64Array {
  const m = new Float64Array(FREQS * GRID);
  for (let u = 0; u < FREQS; u++)
    for (let y = 0; y < GRID; y++) m[u * GRID + y] = Math.cos(((2 * y + 1) * u * Math.PI) / (2 * GRID));
  return m;
}

/** Gray image of sample i as a `[height, width]` Float64Array. */
function gray(data: Float32Array, i: number, height: number, width: number, channels: number): Float64Array {
  const g = new Float64Array(height * width);
  const base = i * height * width * channels;
  for (let p = 0; p < height * width; p++) {
    let s = 0;
    for (let c = 0; c < channels; c++) s += data[base + p * channels + c];
    g[p] = s / channels;
  }
  return g;
}

/** Per image, its 64-bit pHash as two Uint32 words, and a `thumb x thumb` box-resampled gray thumbnail. */
export interface ImageHashes {
  /** `hashes[2i]`, `hashes[2i + 1]`: the 64 bits of image i. */
  hashes: Uint32Array;
  /** Thumbnails, `thumb * thumb` values per image, for checking hash matches pixel by pixel. */
  thumbs: Float32Array;
  thumb: number;
}

/** pHash and a gray thumbnail of each of the `n` images `[height, width, channels]` in `data`. */
export function perceptualHashes(
  data: Float32Array,
  n: number,
  height: number,
  width: number,
  channels: number,
  thumb = 16,
): ImageHashes {
  const dct = dctMatrix();
  const rows = matmul(dct, boxMatrix(GRID, height), FREQS, GRID, height); // [8, H]
  const colsT = transpose(matmul(dct, boxMatrix(GRID, width), FREQS, GRID, width), FREQS, width); // [W, 8]
  const tRows = boxMatrix(thumb, height);
  const tColsT = transpose(boxMatrix(thumb, width), thumb, width);
  const hashes = new Uint32Array(n * 2);
  const thumbs = new Float32Array(n * thumb * thumb);
  for (let i = 0; i < n; i++) {
    const g = gray(data, i, height, width, channels);
    const coef = matmul(matmul(rows, g, FREQS, height, width), colsT, FREQS, width, FREQS);
    const ac = Array.from(coef.subarray(1)).sort((a, b) => a - b);
    const median = (ac[31] + ac[32]) / 2;
    for (let k = 1; k < FREQS * FREQS; k++) if (coef[k] > median) hashes[i * 2 + (k >>> 5)] |= 1 << (k & 31);
    thumbs.set(matmul(matmul(tRows, g, thumb, height, width), tColsT, thumb, width, thumb), i * thumb * thumb);
  }
  return { hashes, thumbs, thumb };
}

function transpose(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = m[i * cols + j];
  return t;
}

/** Number of set bits of a 32-bit integer. */
export function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Hamming distance between 64-bit hash `a` of `ha` and hash `b` of `hb`. */
export function hamming(ha: Uint32Array, a: number, hb: Uint32Array, b: number): number {
  return popcount(ha[2 * a] ^ hb[2 * b]) + popcount(ha[2 * a + 1] ^ hb[2 * b + 1]);
}

/** Pearson correlation of thumbnails a and b (1 for two identical constant thumbnails, 0 for one constant). */
export function thumbCorrelation(ta: Float32Array, a: number, tb: Float32Array, b: number, size: number): number {
  let ma = 0;
  let mb = 0;
  for (let k = 0; k < size; k++) {
    ma += ta[a * size + k];
    mb += tb[b * size + k];
  }
  ma /= size;
  mb /= size;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let k = 0; k < size; k++) {
    const x = ta[a * size + k] - ma;
    const y = tb[b * size + k] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  if (saa < 1e-12 || sbb < 1e-12) return saa < 1e-12 && sbb < 1e-12 && Math.abs(ma - mb) < 1e-6 ? 1 : 0;
  return sab / Math.sqrt(saa * sbb);
}
