import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOneOf, createRng, InputError } from '@tiefe/core';
import type { TargetOptions } from './gradients.js';
import { withPrepared } from './model/prepare.js';
import { scoreBatches } from './model/score.js';
import { type SlicOptions, slic } from './slic.js';
import { gridRegions, imageView, windowSize } from './windows.js';

/** Options of {@link lime}. */
export interface LimeOptions extends TargetOptions {
  /**
   * How the input is cut into superpixels: `'grid'` (default) square cells of `cellSize`, or `'slic'` SLIC
   * superpixels ({@link slic}, with the `slic` options) computed per image (rank-4 `[N, H, W, C]` inputs only).
   */
  superpixels?: 'grid' | 'slic';
  /** Grid superpixels: cells of this side (default 4; rank-2/3 inputs: segments of the row). */
  cellSize?: number | [number, number];
  /** SLIC superpixels: options of {@link slic} (default 16 segments, compactness 0.1). */
  slic?: SlicOptions;
  /** Perturbed samples per input (default 200). */
  samples?: number;
  /** Value of switched-off superpixels (default 0). */
  fill?: number;
  /** Width of the exponential kernel on the cosine distance to x (default 0.25, as the lime package). */
  kernelWidth?: number;
  /** Ridge penalty of the weighted linear fit (default 1, scikit-learn's Ridge default in lime). */
  ridge?: number;
  /** Seed of the on/off samples (default 0). */
  seed?: number;
  /** Perturbed inputs per forward pass (default 256). */
  batchSize?: number;
}

/**
 * LIME for images (Ribeiro et al. 2016) on grid or SLIC superpixels: `samples` random on/off patterns z of the
 * superpixels (each on with probability 1/2, the first sample all on), the model's target logit on x with the
 * off superpixels set to `fill`, and a ridge regression of the scores on z weighted by the kernel
 * pi(z) = exp(-d(z)^2 / width^2), d the cosine distance of z to the all-on pattern (the lime package's choices).
 * A pixel's attribution is the coefficient of its superpixel (all channels). Same shape as x.
 */
export async function lime(model: tfl.LayersModel, x: tf.Tensor, options: LimeOptions = {}): Promise<tf.Tensor> {
  return withPrepared('lime', model, x, options.target, async (p) => {
    const view = imageView(x, 'lime: x');
    const kind = checkOneOf('lime: superpixels', options.superpixels ?? 'grid', ['grid', 'slic'] as const);
    // Options of the other kind of superpixels would be silently ignored: refuse them.
    if (kind === 'grid' && options.slic !== undefined)
      throw new InputError('lime: slic', "superpixels: 'slic' with slic options", "superpixels: 'grid'");
    if (kind === 'slic' && options.cellSize !== undefined)
      throw new InputError('lime: cellSize', "superpixels: 'grid' with a cellSize", "superpixels: 'slic'");
    const samples = checkInt('lime: samples', options.samples ?? 200, 2);
    const fill = checkNumber('lime: fill', options.fill ?? 0);
    const width = checkNumber('lime: kernelWidth', options.kernelWidth ?? 0.25, Number.MIN_VALUE);
    const ridge = checkNumber('lime: ridge', options.ridge ?? 1, 0);
    const batchSize = checkInt('lime: batchSize', options.batchSize ?? 256);
    const rng = createRng(checkNumber('lime: seed', options.seed ?? 0));
    const per = view.h * view.w * view.c;
    const data = (await x.data()) as Float32Array;
    // Superpixels of each image: flat indices (all channels) per superpixel.
    let regions: Int32Array[][];
    if (kind === 'grid') {
      const cells = gridRegions(view, windowSize(options.cellSize ?? 4, view, 'lime: cellSize'));
      regions = Array.from({ length: view.n }, () => cells);
    } else {
      if (x.rank !== 4)
        throw new InputError(
          'lime: superpixels',
          "'grid' for inputs that are not [N, H, W, C]",
          `'slic' with shape [${x.shape}]`,
        );
      regions = Array.from({ length: view.n }, (_, img) => {
        const seg = slic(data.subarray(img * per, (img + 1) * per), [view.h, view.w, view.c], options.slic);
        return segmentRegions(seg.labels, seg.count, view.c);
      });
    }
    // On/off patterns z: image img's samples are rows of regions[img].length bits; the first row is all on.
    const z = regions.map((cells) => {
      const s = cells.length;
      const bits = new Uint8Array(samples * s);
      for (let i = 0; i < samples; i++)
        for (let j = 0; j < s; j++) bits[i * s + j] = i === 0 || rng.next() < 0.5 ? 1 : 0;
      return bits;
    });
    const y = await scoreBatches(
      p,
      x.shape.slice(1),
      view.n * samples,
      (i) => Math.floor(i / samples),
      (i, buf, o) => {
        const img = Math.floor(i / samples);
        const cells = regions[img];
        const bits = z[img];
        const row = (i % samples) * cells.length;
        buf.set(data.subarray(img * per, (img + 1) * per), o);
        for (let j = 0; j < cells.length; j++) if (!bits[row + j]) for (const k of cells[j]) buf[o + k] = fill;
      },
      'logit',
      batchSize,
    );
    const out = new Float32Array(view.n * per);
    for (let img = 0; img < view.n; img++) {
      const cells = regions[img];
      const beta = weightedRidge(z[img], y.subarray(img * samples, (img + 1) * samples), cells.length, width, ridge);
      for (let j = 0; j < cells.length; j++) for (const k of cells[j]) out[img * per + k] = beta[j];
    }
    return tf.tensor(out, x.shape);
  });
}

/** The flat indices (pixel * c + channel) of each segment of a {@link slic} labelling. */
function segmentRegions(labels: Int32Array, count: number, c: number): Int32Array[] {
  const sizes = new Int32Array(count);
  for (const l of labels) sizes[l]++;
  const regions = Array.from(sizes, (size) => new Int32Array(size * c));
  const fillAt = new Int32Array(count);
  labels.forEach((l, i) => {
    for (let ch = 0; ch < c; ch++) regions[l][fillAt[l]++] = i * c + ch;
  });
  return regions;
}

/**
 * Weighted ridge regression y ~ b0 + z beta (intercept not penalised) with the LIME kernel weights; solved by
 * Gaussian elimination with partial pivoting on the (s+1) x (s+1) normal equations, in float64.
 */
export function weightedRidge(z: Uint8Array, y: Float32Array, s: number, width: number, ridge: number): Float64Array {
  const m = y.length;
  const d = s + 1;
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let i = 0; i < m; i++) {
    let on = 0;
    for (let j = 0; j < s; j++) on += z[i * s + j];
    const dist = on === 0 ? 1 : 1 - on / Math.sqrt(on * s); // cosine distance to all-ones
    const w = Math.exp(-(dist * dist) / (width * width));
    const row = [1, ...Array.from(z.subarray(i * s, (i + 1) * s))];
    for (let p = 0; p < d; p++) {
      b[p] += w * row[p] * y[i];
      for (let q = 0; q < d; q++) a[p * d + q] += w * row[p] * row[q];
    }
  }
  for (let p = 1; p < d; p++) a[p * d + p] += ridge;
  // Gaussian elimination.
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r * d + c]) > Math.abs(a[piv * d + c])) piv = r;
    if (piv !== c) {
      for (let q = 0; q < d; q++) [a[c * d + q], a[piv * d + q]] = [a[piv * d + q], a[c * d + q]];
      [b[c], b[piv]] = [b[piv], b[c]];
    }
    const diag = a[c * d + c];
    if (Math.abs(diag) < 1e-12) continue; // a superpixel never switched: coefficient 0
    for (let r = c + 1; r < d; r++) {
      const f = a[r * d + c] / diag;
      if (f === 0) continue;
      for (let q = c; q < d; q++) a[r * d + q] -= f * a[c * d + q];
      b[r] -= f * b[c];
    }
  }
  const beta = new Float64Array(d);
  for (let c = d - 1; c >= 0; c--) {
    let v = b[c];
    for (let q = c + 1; q < d; q++) v -= a[c * d + q] * beta[q];
    const diag = a[c * d + c];
    beta[c] = Math.abs(diag) < 1e-12 ? 0 : v / diag;
  }
  return beta.subarray(1);
}
