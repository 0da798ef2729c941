import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { integratedGradients, lrp, rules, saliency } from '../src/index.js';
import { fixWeights, relErr, uniform } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

const hardSigmoid = (v: number) => Math.min(1, Math.max(0, 0.2 * v + 0.5)); // tfjs's default recurrentActivation
const stab = (z: number) => z + (z >= 0 ? 1e-3 : -1e-3);

/** Plain-array LRP through an LSTM (Arras et al. 2017) followed by LRP-0 through a bias-free Dense layer. */
function plainLstmLrp(
  x: number[][], // [T][in]
  w: number[], // [in][4u] flat
  uk: number[], // [u][4u] flat
  b: number[], // [4u]
  dense: number[], // [units (or T*units)][classes] flat
  classes: number,
  target: number,
  u: number,
  seqOut: boolean,
): number[][] {
  const T = x.length;
  const nin = x[0].length;
  const hs = [new Array(u).fill(0)];
  const cs = [new Array(u).fill(0)];
  const fc: number[][] = [];
  const ig: number[][] = [];
  const zg: number[][] = [];
  for (let t = 0; t < T; t++) {
    const z = Array.from({ length: 4 * u }, (_, j) => {
      let s = b[j];
      for (let i = 0; i < nin; i++) s += x[t][i] * w[i * 4 * u + j];
      for (let k = 0; k < u; k++) s += hs[t][k] * uk[k * 4 * u + j];
      return s;
    });
    const gi = z.slice(0, u).map(hardSigmoid);
    const gf = z.slice(u, 2 * u).map(hardSigmoid);
    const gg = z.slice(2 * u, 3 * u).map(Math.tanh);
    const go = z.slice(3 * u).map(hardSigmoid);
    zg.push(z.slice(2 * u, 3 * u));
    fc.push(gf.map((f, k) => f * cs[t][k]));
    ig.push(gi.map((i, k) => i * gg[k]));
    cs.push(fc[t].map((v, k) => v + ig[t][k]));
    hs.push(go.map((o, k) => o * Math.tanh(cs[t + 1][k])));
  }
  // LRP-0 through the Dense layer: R_h = h w_c (bias-free, so z = sum).
  const hOut = seqOut ? hs.slice(1).flat() : hs[T];
  const rOut = hOut.map((h, j) => h * dense[j * classes + target]);
  let rh = seqOut ? new Array(u).fill(0) : rOut;
  let rc = new Array(u).fill(0);
  const rx: number[][] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    if (seqOut) rh = rh.map((v, k) => v + rOut[t * u + k]);
    const rct = rc.map((v, k) => v + rh[k]);
    rc = rct.map((r, k) => (fc[t][k] * r) / stab(cs[t + 1][k]));
    const rg = rct.map((r, k) => (ig[t][k] * r) / stab(cs[t + 1][k]));
    const sg = rg.map((r, k) => r / stab(zg[t][k]));
    rx[t] = x[t].map((xi, i) => sg.reduce((s, v, k) => s + xi * w[i * 4 * u + 2 * u + k] * v, 0));
    rh = hs[t].map((h, m) => sg.reduce((s, v, k) => s + h * uk[m * 4 * u + 2 * u + k] * v, 0));
  }
  return rx;
}

/** Plain-array LRP through a GRU (gates z, r, h; reset before the recurrent product) then a bias-free Dense. */
function plainGruLrp(
  x: number[][],
  w: number[],
  uk: number[],
  b: number[],
  dense: number[],
  classes: number,
  target: number,
  u: number,
  seqOut: boolean,
): number[][] {
  const T = x.length;
  const nin = x[0].length;
  const hs = [new Array(u).fill(0)];
  const keep: number[][] = [];
  const cand: number[][] = [];
  const rh: number[][] = [];
  const zh: number[][] = [];
  for (let t = 0; t < T; t++) {
    const pre = (j: number, h: number[]) => {
      let s = b[j];
      for (let i = 0; i < nin; i++) s += x[t][i] * w[i * 3 * u + j];
      for (let k = 0; k < u; k++) s += h[k] * uk[k * 3 * u + j];
      return s;
    };
    const z = Array.from({ length: u }, (_, k) => hardSigmoid(pre(k, hs[t])));
    const r = Array.from({ length: u }, (_, k) => hardSigmoid(pre(u + k, hs[t])));
    rh.push(r.map((v, k) => v * hs[t][k]));
    zh.push(Array.from({ length: u }, (_, k) => pre(2 * u + k, rh[t])));
    keep.push(z.map((v, k) => v * hs[t][k]));
    cand.push(z.map((v, k) => (1 - v) * Math.tanh(zh[t][k])));
    hs.push(keep[t].map((v, k) => v + cand[t][k]));
  }
  const hOut = seqOut ? hs.slice(1).flat() : hs[T];
  const rOut = hOut.map((h, j) => h * dense[j * classes + target]);
  let rH = seqOut ? new Array(u).fill(0) : rOut;
  const rx: number[][] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    if (seqOut) rH = rH.map((v, k) => v + rOut[t * u + k]);
    const sv = rH.map((v, k) => v / stab(hs[t + 1][k]));
    const sh = sv.map((v, k) => (cand[t][k] * v) / stab(zh[t][k]));
    rx[t] = x[t].map((xi, i) => sh.reduce((s, v, k) => s + xi * w[i * 3 * u + 2 * u + k] * v, 0));
    rH = rh[t].map((q, m) => keep[t][m] * sv[m] + sh.reduce((s, v, k) => s + q * uk[m * 3 * u + 2 * u + k] * v, 0));
  }
  return rx;
}

/** Plain-array LRP through a SimpleRNN (tanh) then a bias-free Dense. */
function plainSimpleRnnLrp(
  x: number[][],
  w: number[],
  uk: number[],
  b: number[],
  dense: number[],
  classes: number,
  target: number,
  u: number,
  seqOut: boolean,
): number[][] {
  const T = x.length;
  const nin = x[0].length;
  const hs = [new Array(u).fill(0)];
  const zs: number[][] = [];
  for (let t = 0; t < T; t++) {
    zs.push(
      Array.from({ length: u }, (_, j) => {
        let s = b[j];
        for (let i = 0; i < nin; i++) s += x[t][i] * w[i * u + j];
        for (let k = 0; k < u; k++) s += hs[t][k] * uk[k * u + j];
        return s;
      }),
    );
    hs.push(zs[t].map(Math.tanh));
  }
  const hOut = seqOut ? hs.slice(1).flat() : hs[T];
  const rOut = hOut.map((h, j) => h * dense[j * classes + target]);
  let rH = seqOut ? new Array(u).fill(0) : rOut;
  const rx: number[][] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    if (seqOut) rH = rH.map((v, k) => v + rOut[t * u + k]);
    const sv = rH.map((v, k) => v / stab(zs[t][k]));
    rx[t] = x[t].map((xi, i) => sv.reduce((s, v, k) => s + xi * w[i * u + k] * v, 0));
    rH = hs[t].map((h, m) => sv.reduce((s, v, k) => s + h * uk[m * u + k] * v, 0));
  }
  return rx;
}

const PLAIN = { lstm: plainLstmLrp, gru: plainGruLrp, simpleRNN: plainSimpleRnnLrp };
const GATES = { lstm: 4, gru: 3, simpleRNN: 1 };

describe('LRP through LSTM, GRU and SimpleRNN (Arras et al. 2017)', () => {
  test.each([
    ['lstm', false],
    ['lstm', true],
    ['gru', false],
    ['gru', true],
    ['simpleRNN', false],
    ['simpleRNN', true],
  ] as const)(
    '%s, returnSequences %s: matches the plain-array rule; bias-free it conserves the logit',
    async (kind, seq) => {
      const rnn = tfl.layers[kind];
      for (const bias of [true, false]) {
        const m = tfl.sequential({
          layers: [
            rnn({ inputShape: [5, 2], units: 3, returnSequences: seq, useBias: bias }),
            ...(seq ? [tfl.layers.flatten()] : []),
            tfl.layers.dense({ units: 2, useBias: false }),
          ],
        });
        fixWeights(m, 9, 1.5);
        const x = uniform([2, 5, 2], 3, -1, 1);
        const ws = m.getWeights().map((t) => Array.from(t.dataSync()));
        const [w, uk] = ws;
        const b = bias ? ws[2] : new Array(3 * GATES[kind]).fill(0);
        const dense = ws[ws.length - 1];
        const before = tf.memory().numTensors;
        const r = await lrp(m, x, { rule: rules.zero(), target: 1 });
        expect(tf.memory().numTensors).toBe(before + 1);
        expect(r.shape).toEqual([2, 5, 2]);
        const got = (await r.array()) as number[][][];
        const logits = (await (m.predict(x) as tf.Tensor).array()) as number[][];
        ((await x.array()) as number[][][]).forEach((xi, n) => {
          const want = PLAIN[kind](xi, w, uk, b, dense, 2, 1, 3, seq);
          expect(relErr(got[n].flat(), want.flat())).toBeLessThan(1e-4);
          if (!bias) {
            const sum = got[n].flat().reduce((s, v) => s + v, 0);
            expect(Math.abs(logits[n][1])).toBeGreaterThan(0.005);
            expect(Math.abs(sum - logits[n][1])).toBeLessThan(0.05 * Math.abs(logits[n][1]) + 2e-3);
          }
        });
        tf.dispose([x, r]);
      }
    },
  );
});

describe('LRP through Bidirectional RNNs', () => {
  test.each([
    ['concat', false],
    ['concat', true],
    ['sum', false],
    ['ave', false],
    ['ave', true],
  ] as const)(
    'LSTM, mergeMode %s, returnSequences %s: forward rule + backward rule on the reversed input',
    async (mode, seq) => {
      const u = 3;
      const T = 5;
      const m = tfl.sequential({
        layers: [
          tfl.layers.bidirectional({
            layer: tfl.layers.lstm({ units: u, returnSequences: seq, useBias: true }),
            mergeMode: mode,
            inputShape: [T, 2],
          }),
          ...(seq ? [tfl.layers.flatten()] : []),
          tfl.layers.dense({ units: 2, useBias: false }),
        ],
      });
      fixWeights(m, 17, 1.5);
      const ws = m.getWeights().map((t) => Array.from(t.dataSync()));
      const [wf, ukf, bf, wb, ukb, bb, dense] = ws;
      const x = uniform([2, T, 2], 5, -1, 1);
      const merged = tfl.model({ inputs: m.inputs, outputs: m.layers[0].output as tfl.SymbolicTensor });
      const y = (await (merged.predict(x) as tf.Tensor).array()) as number[][] | number[][][];
      const before = tf.memory().numTensors;
      const r = await lrp(m, x, { rule: rules.zero(), target: 1 });
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = (await r.array()) as number[][][];
      const width = mode === 'concat' ? 2 * u : u;
      ((await x.array()) as number[][][]).forEach((xi, n) => {
        // Effective head weights of each direction (LRP-0 through the bias-free head: R_y = y w), per output step
        // t in the wrapper's (aligned) time order; the backward layer reads step T-1-t.
        const head = (t: number, j: number) => dense[((seq ? t * width : 0) + j) * 2 + 1];
        const yv = (t: number, j: number) => (seq ? (y as number[][][])[n][t][j] : (y as number[][])[n][j]);
        const part = (backward: boolean) => {
          const rows = seq ? T : 1;
          const d = new Array(rows * u * 2).fill(0);
          for (let s = 0; s < rows; s++) {
            const t = backward && seq ? T - 1 - s : s;
            for (let k = 0; k < u; k++) {
              let w: number;
              if (mode === 'concat') w = head(t, backward ? u + k : k);
              else {
                // z-rule split of y = y_f + y_b (or its half): R_f = y_f R_y / (y_f + y_b + eps), R_y = y w
                const sum = mode === 'ave' ? 2 * yv(t, k) : yv(t, k);
                w = (head(t, k) * yv(t, k)) / stab(sum);
              }
              d[(s * u + k) * 2 + 1] = w;
            }
          }
          return d;
        };
        const fwd = plainLstmLrp(xi, wf, ukf, bf, part(false), 2, 1, u, seq);
        const bwd = plainLstmLrp([...xi].reverse(), wb, ukb, bb, part(true), 2, 1, u, seq).reverse();
        const want = fwd.map((row, t) => row.map((v, i) => v + bwd[t][i]));
        expect(relErr(got[n].flat(), want.flat())).toBeLessThan(1e-4);
      });
      tf.dispose([x, r]);
    },
  );

  test('bias-free Bidirectional GRU and SimpleRNN conserve the logit; mergeMode mul is refused', async () => {
    for (const cell of ['gru', 'simpleRNN'] as const) {
      const m = tfl.sequential({
        layers: [
          tfl.layers.bidirectional({
            layer: tfl.layers[cell]({ units: 3, useBias: false }) as tfl.RNN,
            inputShape: [4, 2],
          }),
          tfl.layers.dense({ units: 2, useBias: false }),
        ],
      });
      fixWeights(m, 19, 2);
      const x = uniform([3, 4, 2], 8, -2, 2);
      const r = await lrp(m, x, { rule: rules.zero(), target: 0 });
      const logits = (await (m.predict(x) as tf.Tensor).array()) as number[][];
      const sums = (await tf.sum(r, [1, 2]).array()) as number[];
      sums.forEach((s, n) => {
        // up to what the stabiliser (eps 0.001 per step and direction) absorbs
        expect(Math.abs(logits[n][0])).toBeGreaterThan(0.1);
        expect(Math.abs(s - logits[n][0])).toBeLessThan(0.1 * Math.abs(logits[n][0]) + 2e-3);
      });
      tf.dispose([x, r]);
    }
    const mul = tfl.sequential({
      layers: [
        tfl.layers.bidirectional({ layer: tfl.layers.lstm({ units: 2 }), mergeMode: 'mul', inputShape: [3, 1] }),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    const x = tf.ones([1, 3, 1]);
    await expect(lrp(mul, x)).rejects.toThrow(/Bidirectional.*mergeMode 'mul'/);
    x.dispose();
  });
});

describe('masked sequences (Embedding maskZero, Masking): padded steps are skipped as tfjs skips them', () => {
  test.each([
    ['lstm', false],
    ['gru', false],
    ['simpleRNN', false],
    ['lstm', true],
  ] as const)(
    '%s (bidirectional %s): LRP of a padded sequence = LRP of the unpadded one, 0 on padding',
    async (cell, bi) => {
      const inp = tfl.input({ shape: [null] });
      const e = tfl.layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true }).apply(inp) as tfl.SymbolicTensor;
      const rnn = tfl.layers[cell]({ units: 4, returnSequences: false }) as tfl.RNN;
      const h = (bi ? tfl.layers.bidirectional({ layer: rnn, mergeMode: 'sum' }) : rnn).apply(e) as tfl.SymbolicTensor;
      const m = tfl.model({ inputs: inp, outputs: tfl.layers.dense({ units: 2 }).apply(h) as tfl.SymbolicTensor });
      fixWeights(m, 23, 1);
      const padded = tf.tensor2d([
        [3, 1, 5, 0, 0],
        [0, 0, 0, 2, 4], // leading padding: tfjs keeps the state at zero
      ]);
      const before = tf.memory().numTensors;
      const r = await lrp(m, padded, { target: 1 });
      expect(tf.memory().numTensors).toBe(before + 1);
      const got = (await r.array()) as number[][];
      for (const [n, seq, start] of [
        [0, [3, 1, 5], 0],
        [1, [2, 4], 3],
      ] as const) {
        const x = tf.tensor2d([seq as unknown as number[]]);
        const alone = await lrp(m, x, { target: 1 });
        const want = ((await alone.array()) as number[][])[0];
        expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1e-3);
        expect(relErr(got[n].slice(start, start + seq.length), want)).toBeLessThan(1e-4);
        const pads = got[n].filter((_, t) => t < start || t >= start + seq.length);
        expect(pads.every((v) => v === 0)).toBe(true);
        tf.dispose([x, alone]);
      }
      tf.dispose([padded, r]);
      m.dispose();
    },
  );

  test('Masking on real-valued steps: LRP and the gradient methods ignore the masked steps (tfjs forward)', async () => {
    const inp = tfl.input({ shape: [null, 2] });
    const masked = tfl.layers.masking({ maskValue: 0 }).apply(inp) as tfl.SymbolicTensor;
    const h = tfl.layers.lstm({ units: 3 }).apply(masked) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: inp, outputs: tfl.layers.dense({ units: 2 }).apply(h) as tfl.SymbolicTensor });
    fixWeights(m, 29, 1);
    const real = [
      [0.5, -1],
      [1, 0.25],
      [-0.5, 0.75],
    ];
    const padded = tf.tensor3d([[...real, [0, 0], [0, 0]]]);
    const alone = tf.tensor3d([real]);
    for (const method of [
      (x: tf.Tensor) => lrp(m, x, { target: 0 }),
      (x: tf.Tensor) => saliency(m, x, { target: 0, absolute: false }),
      (x: tf.Tensor) => integratedGradients(m, x, { target: 0, steps: 8 }),
    ]) {
      const a = await method(padded);
      const b = await method(alone);
      const got = ((await a.array()) as number[][][])[0];
      const want = ((await b.array()) as number[][][])[0];
      expect(relErr(got.slice(0, 3).flat(), want.flat())).toBeLessThan(1e-4);
      expect(
        got
          .slice(3)
          .flat()
          .every((v) => Math.abs(v) < 1e-7),
      ).toBe(true);
      tf.dispose([a, b]);
    }
    tf.dispose([padded, alone]);
    m.dispose();
  });
});
