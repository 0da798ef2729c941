import * as tf from '@tensorflow/tfjs-core';
import { InputError, TiefeError } from '../errors.js';
import { describeValue } from '../validate.js';

/** Serialised form of a fitted {@link Standardizer} (plain JSON). */
export interface StandardizerJSON {
  /** Format tag, checked by `fromJSON`. */
  format: 'tiefe-standardizer';
  /** Axes reduced over during `fit` (non-negative, sorted). */
  axis: number[];
  /** Rank of the data the standardizer was fitted on. */
  rank: number;
  /** Shape of `mean` / `std` (the data's shape with the reduced axes set to 1). */
  shape: number[];
  /** Per-feature means, row-major. */
  mean: number[];
  /** Per-feature standard deviations (population, ddof 0), row-major, before the zero-variance rule. */
  std: number[];
  /** Zero-variance threshold (see {@link StandardizerOptions.epsilon}). */
  epsilon: number;
}

/** Options of {@link Standardizer}. */
export interface StandardizerOptions {
  /**
   * Standard deviations below `epsilon` are treated as zero variance and replaced by 1 (sklearn's rule), so
   * constant features map to 0 instead of blowing up. Default 1e-7.
   */
  epsilon?: number;
}

/**
 * Zero-mean, unit-variance scaling per feature (sklearn's `StandardScaler`): `fit` on the training data,
 * then `transform` train, validation and test data with the same statistics.
 *
 * `transform(x) = (x - mean) / scale`, `inverseTransform(z) = z * scale + mean`, where mean and
 * `std = sqrt(mean((x - mean)^2))` (population, ddof 0) are taken over `axis` and `scale = std` unless
 * `std < epsilon`, then 1. Default axes: all but the last, so `[n, features]` is standardised per column and
 * `[n, h, w, c]` images per channel.
 *
 * Holds two small tensors: call `dispose()` when done.
 *
 * @example
 * const s = await new Standardizer().fit(xTrain);
 * const xs = s.transform(xTest);
 * localStorage.scaler = JSON.stringify(s); // later: Standardizer.fromJSON(JSON.parse(...))
 */
export class Standardizer {
  /** Standard deviations below this count as zero variance (scale 1). */
  readonly epsilon: number;
  private stats: { mean: tf.Tensor; scale: tf.Tensor; json: StandardizerJSON } | null = null;

  constructor(options: StandardizerOptions = {}) {
    const { epsilon = 1e-7 } = options;
    if (!(epsilon >= 0) || !Number.isFinite(epsilon))
      throw new InputError('Standardizer: epsilon', 'a finite number >= 0', String(epsilon));
    this.epsilon = epsilon;
  }

  /** True once `fit` or `fromJSON` gave it statistics. */
  get fitted(): boolean {
    return this.stats !== null;
  }

  /** Per-feature means as a plain array (row-major, shape `toJSON().shape`). */
  get mean(): number[] {
    return this.require('mean').json.mean;
  }

  /** Per-feature population standard deviations as a plain array. */
  get std(): number[] {
    return this.require('std').json.std;
  }

  private require(what: string): NonNullable<Standardizer['stats']> {
    if (!this.stats) throw new TiefeError(`Standardizer.${what}: call fit() or Standardizer.fromJSON() first`);
    return this.stats;
  }

  /**
   * Computes mean and std over `axis` (default: every axis but the last) of `x`; replaces any earlier fit.
   * `x` is not disposed. Resolves to `this`. Async because it reads `x` back (a synchronous read is not
   * possible on WebGPU in Node).
   */
  async fit(x: tf.Tensor, axis?: number | number[]): Promise<this> {
    if (!(x instanceof tf.Tensor) || x.isDisposed)
      throw new InputError('Standardizer.fit: x', 'a live tensor', String(x));
    if (x.rank === 0) throw new InputError('Standardizer.fit: x', 'a tensor of rank >= 1', 'a scalar');
    if (x.size === 0) throw new InputError('Standardizer.fit: x', 'at least one value', `shape [${x.shape}]`);
    const axes = normaliseAxes(axis ?? (x.rank === 1 ? [0] : range(x.rank - 1)), x.rank);
    // Two-pass statistics in float64 on the CPU: float32 sums lose digits on large inputs, and fit runs
    // once on training data, so the read-back is cheap next to training.
    const data = await x.data();
    const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const features = shape.reduce((a, b) => a * b, 1);
    const count = x.size / features;
    const strides = stridesOf(x.shape);
    const outStrides = stridesOf(shape);
    const featureOf = (flat: number) => {
      let f = 0;
      for (let d = 0; d < x.rank; d++) {
        if (axes.includes(d)) continue;
        f += (Math.floor(flat / strides[d]) % x.shape[d]) * outStrides[d];
      }
      return f;
    };
    const index = new Int32Array(x.size);
    for (let i = 0; i < x.size; i++) index[i] = featureOf(i);
    const mean = new Float64Array(features);
    for (let i = 0; i < x.size; i++) {
      if (!Number.isFinite(data[i]))
        throw new InputError('Standardizer.fit: x', 'finite values', `${data[i]} at flat index ${i}`);
      mean[index[i]] += data[i];
    }
    for (let f = 0; f < features; f++) mean[f] /= count;
    const variance = new Float64Array(features);
    for (let i = 0; i < x.size; i++) {
      const d = data[i] - mean[index[i]];
      variance[index[i]] += d * d;
    }
    const std = Array.from(variance, (v) => Math.sqrt(v / count));
    this.setStats({
      format: 'tiefe-standardizer',
      axis: axes,
      rank: x.rank,
      shape,
      mean: Array.from(mean),
      std,
      epsilon: this.epsilon,
    });
    return this;
  }

  private setStats(json: StandardizerJSON): void {
    this.dispose();
    const scale = json.std.map((s) => (s < json.epsilon ? 1 : s));
    this.stats = {
      json,
      mean: tf.tensor(json.mean, json.shape, 'float32'),
      scale: tf.tensor(scale, json.shape, 'float32'),
    };
  }

  /** Checks the argument `arg` of `method` (`'transform'`, `'inverseTransform'`) against the fitted shape. */
  private check(x: tf.Tensor, method: string, arg: string): NonNullable<Standardizer['stats']> {
    const stats = this.require(method);
    const name = `Standardizer.${method}: ${arg}`;
    const { shape, rank } = stats.json;
    if (!(x instanceof tf.Tensor) || x.isDisposed) throw new InputError(name, 'a live tensor', describeValue(x));
    const ok = x.rank === rank && shape.every((d, i) => d === 1 || d === x.shape[i]);
    if (!ok) {
      const want = shape.map((d) => (d === 1 ? '*' : String(d))).join(',');
      throw new InputError(name, `shape [${want}] (as fitted)`, `[${x.shape}]`);
    }
    return stats;
  }

  /** `(x - mean) / scale`, as a new float32 tensor; `x` is not disposed. */
  transform(x: tf.Tensor): tf.Tensor {
    const { mean, scale } = this.check(x, 'transform', 'x');
    return tf.tidy(() => tf.div(tf.sub(tf.cast(x, 'float32'), mean), scale));
  }

  /** `z * scale + mean`: undoes {@link transform} (e.g. for a regression model's standardised targets). */
  inverseTransform(z: tf.Tensor): tf.Tensor {
    const { mean, scale } = this.check(z, 'inverseTransform', 'z');
    return tf.tidy(() => tf.add(tf.mul(tf.cast(z, 'float32'), scale), mean));
  }

  /** `await fit(x)` then `transform(x)`. */
  async fitTransform(x: tf.Tensor, axis?: number | number[]): Promise<tf.Tensor> {
    return (await this.fit(x, axis)).transform(x);
  }

  /** Plain-JSON statistics; `JSON.stringify(standardizer)` uses it. */
  toJSON(): StandardizerJSON {
    const { json } = this.require('toJSON');
    return { ...json, axis: [...json.axis], shape: [...json.shape], mean: [...json.mean], std: [...json.std] };
  }

  /** Recreates a fitted standardizer from {@link Standardizer.toJSON} output; validates it. */
  static fromJSON(json: StandardizerJSON): Standardizer {
    if (json == null || typeof json !== 'object' || json.format !== 'tiefe-standardizer') {
      throw new InputError(
        'Standardizer.fromJSON: json',
        "an object with format 'tiefe-standardizer'",
        JSON.stringify(json)?.slice(0, 80),
      );
    }
    const size = Array.isArray(json.shape) ? json.shape.reduce((a, b) => a * b, 1) : Number.NaN;
    for (const key of ['mean', 'std'] as const) {
      const v = json[key];
      if (!Array.isArray(v) || v.length !== size || !v.every(Number.isFinite)) {
        throw new InputError(
          `Standardizer.fromJSON: json.${key}`,
          `${size} finite numbers (the product of json.shape)`,
          String(v?.length),
        );
      }
    }
    if (!Number.isInteger(json.rank) || json.shape.length !== json.rank) {
      throw new InputError(
        'Standardizer.fromJSON: json.rank',
        `the length of json.shape (${json.shape.length})`,
        String(json.rank),
      );
    }
    const s = new Standardizer({ epsilon: json.epsilon });
    s.setStats({ ...json, axis: [...json.axis], shape: [...json.shape], mean: [...json.mean], std: [...json.std] });
    return s;
  }

  /** Frees the two statistics tensors; the standardizer is unfitted afterwards. Safe to call twice. */
  dispose(): void {
    if (!this.stats) return;
    this.stats.mean.dispose();
    this.stats.scale.dispose();
    this.stats = null;
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function normaliseAxes(axis: number | number[], rank: number): number[] {
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank)
      throw new InputError('Standardizer.fit: axis', `integers in [-${rank}, ${rank})`, String(a));
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new InputError('Standardizer.fit: axis', 'distinct axes', `[${list}]`);
  return out.sort((a, b) => a - b);
}
