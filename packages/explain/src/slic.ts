import { checkInt, checkNumber, checkOptions, checkShape, InputError } from '@tiefe/core';

/** Options of {@link slic}. */
export interface SlicOptions {
  /** Approximate number of superpixels K (default 16); the grid interval is S = sqrt(H W / K). */
  nSegments?: number;
  /**
   * Weight m of the spatial distance against the colour distance, D^2 = d_c^2 + (d_s / S)^2 m^2 (default 0.1, for
   * values in [0, 1]; scikit-image's default 10 is the same balance for CIELAB values in [0, 100]). Larger: more
   * compact, grid-like segments; smaller: segments follow the colours more closely.
   */
  compactness?: number;
  /** k-means iterations (default 10, as Achanta et al. and scikit-image). */
  maxIterations?: number;
  /**
   * Connected pieces smaller than this fraction of the mean segment size H W / K are merged into a neighbour
   * (default 0.5, scikit-image's `min_size_factor`).
   */
  minSizeFactor?: number;
}

/** The result of {@link slic}: a segment id 0 .. count - 1 for every pixel (row-major, H x W). */
export interface Segmentation {
  labels: Int32Array;
  count: number;
}

/**
 * SLIC superpixels (Achanta et al. 2012, "SLIC superpixels compared to state-of-the-art superpixel methods") of one
 * image `[H, W, C]` given as its row-major values: k-means on (colour, y, x) with cluster centres started on a
 * grid of interval S, each moved to the lowest-gradient pixel of its 3 x 3 neighbourhood, and each centre compared
 * only with the pixels of its 2S x 2S window. The colour distance is Euclidean over the C channels as given (no
 * CIELAB conversion: the channels need not be RGB). Afterwards every segment is made 4-connected: each connected
 * piece becomes its own segment, and pieces under `minSizeFactor` H W / K pixels join a neighbouring segment found
 * before them in row-major order (the first piece: one after it). Deterministic.
 */
export function slic(
  pixels: ArrayLike<number>,
  shape: [number, number, number],
  options: SlicOptions = {},
): Segmentation {
  const o = checkOptions('slic: options', options);
  checkShape('slic: shape', shape, 3);
  const [h, w, c] = shape.map((v, i) => checkInt(`slic: shape[${i}]`, v));
  if (pixels?.length !== h * w * c) {
    throw new InputError('slic: pixels', `${h * w * c} values for an image [${h}, ${w}, ${c}]`, String(pixels?.length));
  }
  for (let i = 0; i < pixels.length; i++) {
    if (!Number.isFinite(pixels[i])) throw new InputError('slic: pixels', 'finite values', `${pixels[i]} at ${i}`);
  }
  const k = checkInt('slic: nSegments', o.nSegments ?? 16);
  const m = checkNumber('slic: compactness', o.compactness ?? 0.1, 0);
  const iterations = checkInt('slic: maxIterations', o.maxIterations ?? 10);
  const minSizeFactor = checkNumber('slic: minSizeFactor', o.minSizeFactor ?? 0.5, 0, 1);
  const n = h * w;
  const step = Math.sqrt(n / k);
  const spatial = (m / step) ** 2; // weight of squared pixel distances
  const px = (i: number, ch: number) => pixels[i * c + ch];

  // Centres on a grid of about K cells, each moved to the lowest gradient of its 3 x 3 neighbourhood (so it does
  // not start on an edge or a noisy pixel).
  const rows = Math.max(1, Math.min(h, Math.round(h / step)));
  const cols = Math.max(1, Math.min(w, Math.round(w / step)));
  const gradient = (y: number, x: number) => {
    let g = 0;
    const yn = Math.min(h - 1, y + 1);
    const yp = Math.max(0, y - 1);
    const xn = Math.min(w - 1, x + 1);
    const xp = Math.max(0, x - 1);
    for (let ch = 0; ch < c; ch++) {
      g += (px(y * w + xn, ch) - px(y * w + xp, ch)) ** 2 + (px(yn * w + x, ch) - px(yp * w + x, ch)) ** 2;
    }
    return g;
  };
  const centres: number[][] = []; // [y, x, ...colour]
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      let by = Math.min(h - 1, Math.floor(((r + 0.5) * h) / rows));
      let bx = Math.min(w - 1, Math.floor(((q + 0.5) * w) / cols));
      let best = gradient(by, bx);
      const [y0, x0] = [by, bx];
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const y = y0 + dy;
          const x = x0 + dx;
          if (y < 0 || y >= h || x < 0 || x >= w) continue;
          const g = gradient(y, x);
          if (g < best) [best, by, bx] = [g, y, x];
        }
      }
      centres.push([by, bx, ...Array.from({ length: c }, (_, ch) => px(by * w + bx, ch))]);
    }
  }

  // k-means restricted to 2S x 2S windows.
  const label = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const radius = Math.ceil(step);
  for (let it = 0; it < iterations; it++) {
    dist.fill(Number.POSITIVE_INFINITY);
    centres.forEach((ctr, j) => {
      const cy = Math.round(ctr[0]);
      const cx = Math.round(ctr[1]);
      for (let y = Math.max(0, cy - radius); y <= Math.min(h - 1, cy + radius); y++) {
        for (let x = Math.max(0, cx - radius); x <= Math.min(w - 1, cx + radius); x++) {
          const i = y * w + x;
          let d = ((y - ctr[0]) ** 2 + (x - ctr[1]) ** 2) * spatial;
          for (let ch = 0; ch < c; ch++) d += (px(i, ch) - ctr[2 + ch]) ** 2;
          if (d < dist[i]) [dist[i], label[i]] = [d, j];
        }
      }
    });
    if (it + 1 >= iterations) break;
    const sums = centres.map(() => new Float64Array(2 + c));
    const counts = new Float64Array(centres.length);
    for (let i = 0; i < n; i++) {
      const j = label[i];
      if (j < 0) continue;
      const s = sums[j];
      s[0] += Math.floor(i / w);
      s[1] += i % w;
      for (let ch = 0; ch < c; ch++) s[2 + ch] += px(i, ch);
      counts[j]++;
    }
    centres.forEach((ctr, j) => {
      if (counts[j] > 0) for (let v = 0; v < 2 + c; v++) ctr[v] = sums[j][v] / counts[j]; // empty: keep the old centre
    });
  }
  // Every pixel is within a window (centres are at most S apart), but keep a pixel no window reached defined.
  for (let i = 0; i < n; i++) if (label[i] < 0) label[i] = 0;
  return connected(label, h, w, Math.floor(minSizeFactor * (n / k)));
}

/**
 * Splits `label` into 4-connected pieces (flood fill in row-major order of first pixel); a piece with fewer than
 * `minSize` pixels joins the piece of a neighbour found before it (the first piece, which has none, joins a
 * neighbour after it). The remaining pieces are numbered 0 .. count - 1 in the order they were found.
 */
function connected(label: Int32Array, h: number, w: number, minSize: number): Segmentation {
  const n = h * w;
  const piece = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const earlier: number[] = []; // per piece: a neighbouring piece found before it, or -1
  const stack: number[] = [];
  const neighbours = (i: number): number[] => {
    const y = Math.floor(i / w);
    const x = i % w;
    return [y > 0 ? i - w : -1, y < h - 1 ? i + w : -1, x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1];
  };
  for (let start = 0; start < n; start++) {
    if (piece[start] >= 0) continue;
    const id = sizes.length;
    let size = 0;
    let before = -1;
    piece[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      size++;
      for (const j of neighbours(i)) {
        if (j < 0) continue;
        if (piece[j] < 0 && label[j] === label[start]) {
          piece[j] = id;
          stack.push(j);
        } else if (piece[j] >= 0 && piece[j] !== id && before < 0) before = piece[j];
      }
    }
    sizes.push(size);
    earlier.push(before);
  }
  if (sizes.length > 1 && sizes[0] < minSize) {
    // The first piece has no earlier neighbour: give it the first later one it touches.
    for (let i = 0; i < n && earlier[0] < 0; i++) {
      if (piece[i] === 0)
        for (const j of neighbours(i)) if (j >= 0 && piece[j] !== 0 && earlier[0] < 0) earlier[0] = piece[j];
    }
  }
  // Pieces after the first point to earlier ones, so chains end at a kept piece or at piece 0; piece 0 merges
  // only if its chain does not come back to it.
  const merged = (p: number) => sizes[p] < minSize && earlier[p] >= 0;
  const end = (p: number) => {
    let q = p;
    while (q !== 0 && merged(q)) q = earlier[q];
    return q;
  };
  if (merged(0) && end(earlier[0]) === 0) earlier[0] = -1;
  const final = new Int32Array(sizes.length).fill(-1);
  let count = 0;
  for (let p = 0; p < sizes.length; p++) if (!merged(p)) final[p] = count++;
  const target = (p: number) => {
    const q = end(p);
    return final[q === 0 && merged(0) ? end(earlier[0]) : q];
  };
  const map = Array.from({ length: sizes.length }, (_, p) => target(p));
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = map[piece[i]];
  return { labels, count };
}
