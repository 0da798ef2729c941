import type * as tf from '@tensorflow/tfjs-core';
import { checkTensor, InputError } from '@tiefe/core';

/** Eigenvalues of a symmetric matrix (row-major, n x n) by cyclic Jacobi rotations, in float64. */
function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m[k * n + p];
          const akq = m[k * n + q];
          m[k * n + p] = c * akp - s * akq;
          m[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m[p * n + k];
          const aqk = m[q * n + k];
          m[p * n + k] = c * apk - s * aqk;
          m[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Float64Array.from({ length: n }, (_, i) => m[i * n + i]);
}

/** Mean and covariance (unbiased) of rows, in float64. */
function moments(x: Float32Array, n: number, d: number): { mean: Float64Array; cov: Float64Array } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j] / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const a = x[i * d + j] - mean[j];
      for (let k = j; k < d; k++) cov[j * d + k] += (a * (x[i * d + k] - mean[k])) / (n - 1);
    }
  for (let j = 0; j < d; j++) for (let k = 0; k < j; k++) cov[j * d + k] = cov[k * d + j];
  return { mean, cov };
}

/**
 * Frechet distance between Gaussians fitted to two feature sets `[n, d]` (the FID of Heusel et al. 2017 when the
 * features are Inception's; here any classifier's penultimate features):
 * `|mu_a - mu_b|^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))`, with `Tr((C_a C_b)^(1/2))` as the sum of square roots of
 * the eigenvalues of the symmetric `C_a^(1/2) C_b C_a^(1/2)`, all in float64.
 */
export function frechetDistance(a: tf.Tensor, b: tf.Tensor): number {
  checkTensor('frechetDistance: a', a, { rank: 2 });
  checkTensor('frechetDistance: b', b, { rank: 2 });
  const [na, d] = a.shape as [number, number];
  const [nb, db] = b.shape as [number, number];
  if (db !== d) throw new InputError('frechetDistance: b', `${d} features per row (as a)`, `${b.shape[1]}`);
  if (na < 2 || nb < 2) throw new InputError('frechetDistance: a', 'at least 2 rows each', `${na} and ${nb}`);
  const A = moments(a.dataSync() as Float32Array, na, d);
  const B = moments(b.dataSync() as Float32Array, nb, d);
  // C_a^(1/2) by eigen-decomposition would need vectors; instead Tr((C_a C_b)^(1/2)) = sum sqrt(eig(C_a C_b)), and
  // C_a C_b's eigenvalues are those of the symmetric L^T C_b L with C_a = L L^T (Cholesky, jittered for PSD).
  const L = new Float64Array(d * d);
  const jitter = 1e-10 * Math.max(1e-30, ...Array.from({ length: d }, (_, i) => A.cov[i * d + i]));
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let v = A.cov[i * d + j] + (i === j ? jitter : 0);
      for (let k = 0; k < j; k++) v -= L[i * d + k] * L[j * d + k];
      L[i * d + j] = i === j ? Math.sqrt(Math.max(v, 0)) : L[j * d + j] > 0 ? v / L[j * d + j] : 0;
    }
  const CL = new Float64Array(d * d); // C_b L
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = j; k < d; k++) v += B.cov[i * d + k] * L[k * d + j];
      CL[i * d + j] = v;
    }
  const M = new Float64Array(d * d); // L^T C_b L
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      let v = 0;
      for (let k = i; k < d; k++) v += L[k * d + i] * CL[k * d + j];
      M[i * d + j] = v;
      M[j * d + i] = v;
    }
  const traceSqrt = symmetricEigenvalues(M, d).reduce((s, e) => s + Math.sqrt(Math.max(e, 0)), 0);
  let dist = 0;
  for (let j = 0; j < d; j++) dist += (A.mean[j] - B.mean[j]) ** 2 + A.cov[j * d + j] + B.cov[j * d + j];
  return Math.max(0, dist - 2 * traceSqrt);
}
