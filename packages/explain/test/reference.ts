/**
 * An independent plain-array LRP for fully connected networks (a convolution is unrolled into its dense
 * matrix first), written directly from the formulas in Montavon et al. 2019, for checking the tensor version.
 */

export interface PlainLayer {
  /** in x out */
  w: number[][];
  b: number[];
  relu: boolean;
}

export type PlainRule =
  | { kind: 'epsilon'; eps: number }
  | { kind: 'gamma'; gamma: number }
  | { kind: 'alphaBeta'; alpha: number; beta: number }
  | { kind: 'zPlus' };

const pos = (v: number) => Math.max(v, 0);
const neg = (v: number) => Math.min(v, 0);

export function forward(layers: PlainLayer[], x: number[]): number[][] {
  const acts = [x];
  for (const l of layers) {
    const a = acts[acts.length - 1];
    const z = l.b.map((bj, j) => a.reduce((s, ai, i) => s + ai * l.w[i][j], bj));
    acts.push(l.relu ? z.map(pos) : z);
  }
  return acts;
}

function layerRelevance(l: PlainLayer, a: number[], r: number[], rule: PlainRule): number[] {
  const nin = a.length;
  const nout = r.length;
  const out = new Array(nin).fill(0);
  if (rule.kind === 'epsilon' || rule.kind === 'gamma') {
    const g = rule.kind === 'gamma' ? rule.gamma : 0;
    const eps = rule.kind === 'epsilon' ? rule.eps : 1e-6;
    const w = l.w.map((row) => row.map((v) => v + g * pos(v)));
    const b = l.b.map((v) => v + g * pos(v));
    for (let j = 0; j < nout; j++) {
      let z = b[j];
      for (let i = 0; i < nin; i++) z += a[i] * w[i][j];
      const den = z + eps * (z >= 0 ? 1 : -1);
      if (den === 0) continue;
      for (let i = 0; i < nin; i++) out[i] += ((a[i] * w[i][j]) / den) * r[j];
    }
    return out;
  }
  const [alpha, beta, bias] = rule.kind === 'zPlus' ? [1, 0, false] : [rule.alpha, rule.beta, true];
  for (let j = 0; j < nout; j++) {
    let zp = bias ? pos(l.b[j]) : 0;
    let zn = bias ? neg(l.b[j]) : 0;
    for (let i = 0; i < nin; i++) {
      zp += pos(a[i] * l.w[i][j]);
      zn += neg(a[i] * l.w[i][j]);
    }
    for (let i = 0; i < nin; i++) {
      const c = a[i] * l.w[i][j];
      if (zp !== 0) out[i] += ((alpha * pos(c)) / zp) * r[j];
      if (zn !== 0 && beta !== 0) out[i] -= ((beta * neg(c)) / zn) * r[j];
    }
  }
  return out;
}

/** Relevance of the input for class `target`, with one rule per layer. */
export function plainLrp(layers: PlainLayer[], x: number[], target: number, rulesPerLayer: PlainRule[]): number[] {
  const acts = forward(layers, x);
  const logits = acts[acts.length - 1];
  let r = logits.map((v, j) => (j === target ? v : 0));
  for (let k = layers.length - 1; k >= 0; k--) r = layerRelevance(layers[k], acts[k], r, rulesPerLayer[k]);
  return r;
}

/** Dense matrix of a 2D convolution (NHWC, stride 1, 'valid' or 'same'), kernel [kh][kw][cin][cout]. */
export function unrollConv2d(
  kernel: Float32Array,
  [kh, kw, cin, cout]: number[],
  [h, w]: number[],
  padding: 'valid' | 'same',
): { w: number[][]; outH: number; outW: number } {
  const [pt, pl] = padding === 'same' ? [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)] : [0, 0];
  const outH = padding === 'same' ? h : h - kh + 1;
  const outW = padding === 'same' ? w : w - kw + 1;
  const m: number[][] = Array.from({ length: h * w * cin }, () => new Array(outH * outW * cout).fill(0));
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      for (let dy = 0; dy < kh; dy++) {
        for (let dx = 0; dx < kw; dx++) {
          const iy = oy + dy - pt;
          const ix = ox + dx - pl;
          if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
          for (let ci = 0; ci < cin; ci++) {
            for (let co = 0; co < cout; co++) {
              m[(iy * w + ix) * cin + ci][(oy * outW + ox) * cout + co] +=
                kernel[((dy * kw + dx) * cin + ci) * cout + co];
            }
          }
        }
      }
    }
  }
  return { w: m, outH, outW };
}

/** A Float32Array [in*out] (row-major in x out) as rows. */
export function rows(flat: Float32Array, nin: number, nout: number): number[][] {
  return Array.from({ length: nin }, (_, i) => Array.from(flat.subarray(i * nout, (i + 1) * nout)));
}
