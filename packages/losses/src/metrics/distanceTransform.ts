import { InputError } from '@tiefe/core';

/**
 * One line of the Felzenszwalb-Huttenlocher squared distance transform: d[p] = min_q (s (p - q))^2 + f[q], for
 * positions p, q = 0..n-1 with sample spacing s. Points where f is +Infinity are not sites; when none is a
 * site the line stays +Infinity. Reads `f` at `base + i * stride`, writes the result in place.
 */
function transformLine(
  a: Float64Array,
  base: number,
  stride: number,
  n: number,
  s: number,
  f: Float64Array,
  v: Int32Array,
  z: Float64Array,
): void {
  for (let i = 0; i < n; i++) f[i] = a[base + i * stride];
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q];
    if (fq === Number.POSITIVE_INFINITY) continue;
    const xq = q * s;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = Number.NEGATIVE_INFINITY;
      z[1] = Number.POSITIVE_INFINITY;
      continue;
    }
    let sect: number;
    for (;;) {
      const xv = v[k] * s;
      sect = (fq + xq * xq - (f[v[k]] + xv * xv)) / (2 * (xq - xv));
      if (sect <= z[k] && k > 0) k--;
      else break;
    }
    // k === 0 with sect <= z[0] = -Infinity cannot happen; z[0] is -Infinity.
    k++;
    v[k] = q;
    z[k] = sect;
    z[k + 1] = Number.POSITIVE_INFINITY;
  }
  if (k < 0) return; // no site on this line: it stays +Infinity
  k = 0;
  for (let p = 0; p < n; p++) {
    const xp = p * s;
    while (z[k + 1] < xp) k++;
    const d = xp - v[k] * s;
    a[base + p * stride] = d * d + f[v[k]];
  }
}

/**
 * Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, separable, O(n) per axis) of
 * an N-dimensional grid: for every element, the squared distance to the nearest element where `sites` is
 * true (non-zero), in units of `spacing` (physical size of a step along each axis; default 1). Elements are
 * stored row-major (last axis fastest). With no site at all every distance is +Infinity.
 */
export function squaredDistanceTransform(
  sites: ArrayLike<number | boolean>,
  shape: readonly number[],
  spacing?: readonly number[],
): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (sites.length !== size) {
    throw new InputError('squaredDistanceTransform: sites', `${size} elements for shape [${shape}]`, `${sites.length}`);
  }
  const sp = spacing ?? shape.map(() => 1);
  if (sp.length !== shape.length || sp.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new InputError(
      'squaredDistanceTransform: spacing',
      `${shape.length} positive finite numbers`,
      `[${sp.join(', ')}]`,
    );
  }
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) out[i] = sites[i] ? 0 : Number.POSITIVE_INFINITY;
  const longest = Math.max(1, ...shape);
  const f = new Float64Array(longest);
  const v = new Int32Array(longest);
  const z = new Float64Array(longest + 1);
  let stride = size;
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis];
    stride /= n;
    // Lines along `axis`: every combination of the other indices. outer * n * stride = size.
    const outer = size / (n * stride);
    for (let o = 0; o < outer; o++) {
      for (let inner = 0; inner < stride; inner++) {
        transformLine(out, o * n * stride + inner, stride, n, sp[axis], f, v, z);
      }
    }
  }
  return out;
}

/** Euclidean distance transform: the square root of {@link squaredDistanceTransform}. */
export function distanceTransform(
  sites: ArrayLike<number | boolean>,
  shape: readonly number[],
  spacing?: readonly number[],
): Float64Array {
  const d = squaredDistanceTransform(sites, shape, spacing);
  for (let i = 0; i < d.length; i++) d[i] = Math.sqrt(d[i]);
  return d;
}
