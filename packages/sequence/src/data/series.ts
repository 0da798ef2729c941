import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOptions, InputError, Standardizer } from '@tiefe/core';

/** A time series: one number per step (univariate) or one row of features per step. */
export type Series = ArrayLike<number> | ArrayLike<number>[];

/** A series as rows `[steps][features]`, checked: non-empty, rectangular, finite (NaN is refused). */
export function seriesRows(name: string, series: Series): number[][] {
  if (series == null || typeof (series as ArrayLike<unknown>).length !== 'number' || series.length === 0) {
    throw new InputError(name, 'a non-empty array of numbers or of number rows', String(series));
  }
  const first = series[0];
  const rows: number[][] =
    typeof first === 'number'
      ? Array.from(series as ArrayLike<number>, (v) => [v])
      : Array.from(series as ArrayLike<number>[], (r) => Array.from(r));
  const width = rows[0].length;
  rows.forEach((r, t) => {
    if (r.length !== width || width === 0) {
      throw new InputError(name, `rows of ${width} features`, `a row of ${r.length} at step ${t}`);
    }
    r.forEach((v, f) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new InputError(
          name,
          'finite numbers (fill or drop missing values first)',
          `${v} at step ${t}, feature ${f}`,
        );
      }
    });
  });
  return rows;
}

/** Options of {@link timeSplit}. */
export interface TimeSplitOptions {
  /** Fraction of the steps for training, the first ones; default 0.7. */
  train?: number;
  /** Fraction for validation, the steps after training; default 0.15. The rest is the test part. */
  val?: number;
}

/** A series cut into consecutive parts, oldest first. */
export interface TimeSplit<T> {
  train: T;
  val: T;
  test: T;
}

/**
 * Cuts a series in time order (never shuffled: the model must not see the future of its test part): the first
 * `train` fraction of the steps, then `val`, then the rest. Window each part separately ({@link windows}, or
 * {@link forecastData} which does all of it) so that no window spans two parts.
 */
export function timeSplit(series: Series, options: TimeSplitOptions = {}): TimeSplit<number[][]> {
  const rows = seriesRows('timeSplit: series', series);
  const o = checkOptions('timeSplit: options', options);
  const train = checkNumber('timeSplit: train', o.train ?? 0.7, 0, 1);
  const val = checkNumber('timeSplit: val', o.val ?? 0.15, 0, 1 - train);
  const a = Math.round(rows.length * train);
  const b = Math.round(rows.length * (train + val));
  return { train: rows.slice(0, a), val: rows.slice(a, b), test: rows.slice(b) };
}

/** Options of {@link windows}. */
export interface WindowOptions {
  /** Steps the model sees. */
  lookback: number;
  /** Steps ahead it predicts (the targets are the `horizon` steps right after the window); default 1. */
  horizon?: number;
  /** Steps between the starts of consecutive windows; default 1. */
  stride?: number;
  /** Feature column predicted; default 0. */
  target?: number;
}

/** Windows of a series: inputs and targets, with the step index each window starts at. */
export interface Windows {
  /** `[n, lookback, features]`. */
  x: tf.Tensor3D;
  /** `[n, horizon]`: the target column at the `horizon` steps after each window. */
  y: tf.Tensor2D;
  /** Index (in the series given) of the first step of each window. */
  starts: number[];
}

/**
 * Sliding windows over one series: window i covers steps `[s, s + lookback)` with `s = i * stride`, and its
 * targets are the target column at steps `[s + lookback, s + lookback + horizon)`. Every step a window or its
 * targets touch lies in the series given, so windowing each part of a {@link timeSplit} keeps the parts apart.
 */
export function windows(series: Series, options: WindowOptions): Windows {
  const rows = seriesRows('windows: series', series);
  const o = checkOptions('windows: options', options);
  const lookback = checkInt('windows: lookback', o.lookback);
  const horizon = checkInt('windows: horizon', o.horizon ?? 1);
  const stride = checkInt('windows: stride', o.stride ?? 1);
  const features = rows[0].length;
  const target = checkInt('windows: target', o.target ?? 0, 0, features - 1);
  const n = Math.floor((rows.length - lookback - horizon) / stride) + 1;
  if (rows.length < lookback + horizon) {
    throw new InputError(
      'windows: series',
      `at least lookback + horizon = ${lookback + horizon} steps`,
      `${rows.length}`,
    );
  }
  const x = new Float32Array(n * lookback * features);
  const y = new Float32Array(n * horizon);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = i * stride;
    starts.push(s);
    for (let t = 0; t < lookback; t++) x.set(rows[s + t], (i * lookback + t) * features);
    for (let h = 0; h < horizon; h++) y[i * horizon + h] = rows[s + lookback + h][target];
  }
  return { x: tf.tensor3d(x, [n, lookback, features]), y: tf.tensor2d(y, [n, horizon]), starts };
}

/** Options of {@link forecastData}: the split, the windows, and whether to standardise. */
export interface ForecastDataOptions extends TimeSplitOptions, WindowOptions {
  /** Standardise with statistics of the training part (default true). */
  normalize?: boolean;
}

/** Windows of the three parts of a series, plus the standardiser fitted on the training part. */
export interface ForecastData extends TimeSplit<Windows> {
  /** `@tiefe/core`'s Standardizer fitted on the training part (per feature); `null` when `normalize` is false. */
  scaler: Standardizer | null;
  /** Maps standardised values of the target column (predictions, targets) back to the series' units. */
  inverse(values: ArrayLike<number>): Promise<number[]>;
  /** Step index (in the whole series) where the validation and the test part begin. */
  boundaries: { val: number; test: number };
}

/**
 * The whole forecasting pipeline without leakage: {@link timeSplit} in time order, `@tiefe/core`'s
 * `Standardizer` fitted on the training part only, then {@link windows} within each part (so no window or
 * target crosses a boundary). `starts` of the val and test windows are indices in the whole series.
 */
export async function forecastData(series: Series, options: ForecastDataOptions): Promise<ForecastData> {
  const o = checkOptions('forecastData: options', options);
  const parts = timeSplit(series, o);
  const normalize = o.normalize ?? true;
  if (parts.train.length === 0) {
    throw new InputError('forecastData: train', 'a fraction leaving a non-empty training part', String(o.train));
  }
  const features = parts.train[0].length;
  const target = checkInt('forecastData: target', o.target ?? 0, 0, features - 1);
  let scaler: Standardizer | null = null;
  if (normalize) {
    const t = tf.tensor2d(parts.train);
    scaler = await new Standardizer().fit(t);
    t.dispose();
  }
  const fitted = scaler;
  const scale = async (rows: number[][]): Promise<number[][]> => {
    if (!fitted || rows.length === 0) return rows;
    const t = tf.tensor2d(rows);
    const z = fitted.transform(t);
    const out = (await z.array()) as number[][];
    tf.dispose([t, z]);
    return out;
  };
  const w = { lookback: o.lookback, horizon: o.horizon, stride: o.stride, target };
  const val = parts.train.length;
  const test = val + parts.val.length;
  const shift = (win: Windows, by: number): Windows => ({ ...win, starts: win.starts.map((s) => s + by) });
  const trainW = windows(await scale(parts.train), w);
  const valW = shift(windows(await scale(parts.val), w), val);
  const testW = shift(windows(await scale(parts.test), w), test);
  return {
    train: trainW,
    val: valW,
    test: testW,
    scaler,
    boundaries: { val, test },
    async inverse(values: ArrayLike<number>): Promise<number[]> {
      if (!fitted) return Array.from(values);
      // Through the Standardizer itself (its zero-variance rule included): the values in the target column.
      const n = values.length;
      const z = new Float32Array(n * features);
      for (let i = 0; i < n; i++) z[i * features + target] = values[i];
      const t = tf.tensor2d(z, [n, features]);
      const x = fitted.inverseTransform(t);
      const flat = await x.data();
      tf.dispose([t, x]);
      return Array.from({ length: n }, (_, i) => flat[i * features + target]);
    },
  };
}
