import { checkInt, checkNumber, checkOptions, createRng, InputError } from '@tiefe/core';

/** Options of {@link noisySines}. */
export interface NoisySinesOptions {
  /** Number of steps. */
  length: number;
  /** Periods (in steps) of the summed sines; default `[25, 60]`. */
  periods?: number[];
  /** Amplitude of each sine; default 1 each. */
  amplitudes?: number[];
  /** Standard deviation of the added Gaussian noise; default 0.1. */
  noise?: number;
  /** Seed of the noise and of the random phases; default 0. */
  seed?: number;
}

/** A sum of sines with random phases plus Gaussian noise: a forecasting series with a known clean signal. */
export function noisySines(options: NoisySinesOptions): { series: Float32Array; clean: Float32Array } {
  const o = checkOptions('noisySines: options', options);
  const length = checkInt('noisySines: length', o.length);
  const periods = o.periods ?? [25, 60];
  const amplitudes = o.amplitudes ?? periods.map(() => 1);
  if (!Array.isArray(periods) || periods.length === 0)
    throw new InputError('noisySines: periods', 'a non-empty array of numbers', String(periods));
  for (const [i, p] of periods.entries()) checkNumber(`noisySines: periods[${i}]`, p, 1e-9);
  if (!Array.isArray(amplitudes) || amplitudes.length !== periods.length) {
    throw new InputError('noisySines: amplitudes', `an array of ${periods.length} numbers`, String(amplitudes));
  }
  for (const [i, a] of amplitudes.entries()) checkNumber(`noisySines: amplitudes[${i}]`, a);
  const noise = checkNumber('noisySines: noise', o.noise ?? 0.1, 0);
  const rng = createRng(checkInt('noisySines: seed', o.seed ?? 0, 0));
  const phases = periods.map(() => rng.next() * 2 * Math.PI);
  const clean = new Float32Array(length);
  const series = new Float32Array(length);
  for (let t = 0; t < length; t++) {
    clean[t] = periods.reduce((s, p, i) => s + amplitudes[i] * Math.sin((2 * Math.PI * t) / p + phases[i]), 0);
    series[t] = clean[t] + noise * rng.normal();
  }
  return { series, clean };
}

/** Mean absolute error of the persistence forecast (each of the `horizon` next values = the last seen one). */
export function persistenceMae(x: ArrayLike<number>, y: ArrayLike<number>, lookback: number, horizon = 1): number {
  const n = y.length / horizon;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const last = x[i * lookback + lookback - 1];
    for (let h = 0; h < horizon; h++) sum += Math.abs(y[i * horizon + h] - last);
  }
  return sum / (n * horizon);
}
