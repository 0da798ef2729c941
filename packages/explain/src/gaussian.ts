/**
 * Small dense linear algebra in float64 for the conditional Gaussians of prediction difference analysis:
 * row-major square matrices as Float64Array.
 */
import { InputError } from '@tiefe/core';

/** Lower Cholesky factor L (L L^T = A) of a symmetric positive definite n x n matrix; adds jitter if needed. */
export function cholesky(a: Float64Array, n: number): Float64Array {
  for (let jitter = 0, attempt = 0; attempt < 8; attempt++, jitter = jitter === 0 ? 1e-10 : jitter * 100) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s = a[i * n + j] + (i === j ? jitter : 0);
        for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
        if (i === j) {
          if (!(s > 0)) {
            ok = false;
            break;
          }
          l[i * n + i] = Math.sqrt(s);
        } else l[i * n + j] = s / l[j * n + j];
      }
    }
    if (ok) return l;
  }
  // Only prediction difference analysis builds these matrices, from its reference inputs: NaN or infinite
  // values there are the one way to get here, as the jitter makes any finite covariance positive definite.
  throw new InputError(
    'predictionDifference: data',
    'finite reference values (a positive definite window covariance)',
    'a covariance that is not positive definite',
  );
}

/** Solves A X = B for X (A n x n SPD given by its Cholesky factor L, B n x m), in place of a copy of B. */
export function choleskySolve(l: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const x = Float64Array.from(b);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = x[i * m + c];
      for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k * m + c];
      x[i * m + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * m + c];
      for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k * m + c];
      x[i * m + c] = s / l[i * n + i];
    }
  }
  return x;
}

/**
 * The Gaussian of the inner values given the outer ones, from a joint Gaussian fitted to reference rows:
 * mean(x_out) = offset + gain x_out, with gain = S_io S_oo^-1 and offset = mu_i - gain mu_o, and covariance
 * S_ii - gain S_oi (constant), returned as its Cholesky factor for sampling. `ridge` (times the mean variance)
 * is added to the diagonal of S so that constant pixels (e.g. MNIST borders) do not make it singular.
 */
export interface ConditionalGaussian {
  inner: number;
  outer: number;
  /** inner x outer, row-major. */
  gain: Float64Array;
  offset: Float64Array;
  /** inner x inner lower Cholesky factor of the conditional covariance. */
  chol: Float64Array;
}

/**
 * Fits the joint Gaussian of (values at `inner`, values at `outer`) over the reference rows (`data`, `rows` of
 * `stride` values each) and conditions the inner values on the outer ones.
 */
export function conditionalGaussian(
  data: Float32Array,
  rows: number,
  stride: number,
  inner: Int32Array,
  outer: Int32Array,
  ridge: number,
): ConditionalGaussian {
  const ni = inner.length;
  const no = outer.length;
  const d = ni + no;
  const idx = new Int32Array(d);
  idx.set(inner, 0);
  idx.set(outer, ni);
  const mu = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let a = 0; a < d; a++) mu[a] += data[r * stride + idx[a]];
  for (let a = 0; a < d; a++) mu[a] /= rows;
  const cov = new Float64Array(d * d);
  const v = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < d; a++) v[a] = data[r * stride + idx[a]] - mu[a];
    for (let a = 0; a < d; a++) {
      const va = v[a];
      if (va === 0) continue;
      for (let b = 0; b <= a; b++) cov[a * d + b] += va * v[b];
    }
  }
  const denom = Math.max(1, rows - 1);
  let trace = 0;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b <= a; b++) {
      cov[a * d + b] /= denom;
      cov[b * d + a] = cov[a * d + b];
    }
    trace += cov[a * d + a];
  }
  const reg = ridge * (trace / d) + 1e-9;
  for (let a = 0; a < d; a++) cov[a * d + a] += reg;
  const sub = (r0: number, nr: number, c0: number, nc: number) => {
    const m = new Float64Array(nr * nc);
    for (let i = 0; i < nr; i++) for (let j = 0; j < nc; j++) m[i * nc + j] = cov[(r0 + i) * d + c0 + j];
    return m;
  };
  const sii = sub(0, ni, 0, ni);
  const soi = sub(ni, no, 0, ni); // outer x inner
  let gain = new Float64Array(0);
  const offset = Float64Array.from(mu.subarray(0, ni));
  const condCov = sii;
  if (no > 0) {
    const loo = cholesky(sub(ni, no, ni, no), no);
    const x = choleskySolve(loo, no, soi, ni); // S_oo^-1 S_oi: outer x inner; gain = x^T
    gain = new Float64Array(ni * no);
    for (let i = 0; i < ni; i++) for (let o = 0; o < no; o++) gain[i * no + o] = x[o * ni + i];
    for (let i = 0; i < ni; i++) {
      let s = 0;
      for (let o = 0; o < no; o++) s += gain[i * no + o] * mu[ni + o];
      offset[i] -= s;
      for (let j = 0; j < ni; j++) {
        let t = 0;
        for (let o = 0; o < no; o++) t += gain[i * no + o] * soi[o * ni + j];
        condCov[i * ni + j] -= t;
      }
    }
    // symmetrise against rounding
    for (let i = 0; i < ni; i++) {
      for (let j = 0; j < i; j++) {
        const m = 0.5 * (condCov[i * ni + j] + condCov[j * ni + i]);
        condCov[i * ni + j] = m;
        condCov[j * ni + i] = m;
      }
    }
  }
  return { inner: ni, outer: no, gain, offset, chol: cholesky(condCov, ni) };
}
