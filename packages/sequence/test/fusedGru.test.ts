import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { GRU_CELL, GRU_CELL_GRAD, GRU_GATES, GRU_GATES_GRAD, initBackend } from '@tiefe/core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FusedGRU, fusedGru, gruSequence } from '../src/index.js';
import { expectFusedMatchesReference, expectTrainsAndStreams, VARIANTS } from './fusedAgainstReference.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-fused-gru-'));
beforeAll(async () => {
  await initBackend({ prefer: ['wasm'] });
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// a failed wasm test must not leave the next tests on wasm
afterEach(() => tf.setBackend('cpu'));

/** max |a - b| / max |b|: relative to the reference's scale. */
const rel = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1e-30, tf.max(tf.abs(b)).dataSync()[0]));

const [B, U, T] = [3, 4, 5];
const run = (name: string, inputs: tf.NamedTensorMap, step = 0) =>
  tf.engine().runKernel(name, inputs, { step }) as tf.Tensor[];

/** One GRU step from composed tfjs ops (tfjs-layers' maths): the independent reference of the kernels. */
function stepReference(azr: tf.Tensor, projH: tf.Tensor, hp: tf.Tensor, uh: tf.Tensor, m: tf.Tensor) {
  const [z, r] = tf.split(tf.sigmoid(azr), 2, 1);
  const hh = tf.tanh(tf.add(projH, tf.matMul(tf.mul(r, hp), uh)));
  const hn = tf.add(tf.mul(z, hp), tf.mul(tf.sub(1, z), hh));
  return { gates: tf.concat([z, r], 1), rh: tf.mul(r, hp), hh, h: tf.add(tf.mul(m, hn), tf.mul(tf.sub(1, m), hp)) };
}

describe('TiefeGru* kernels', () => {
  test.each(['cpu', 'wasm'])(
    '%s: equal the composed-ops reference and its autodiff, masked rows included',
    async (backend) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const r = (shape: number[], k: number) => tf.randomNormal(shape, 0, 1, 'float32', 50 + k);
        const [proj, hu, hPrev, uh, dhRec, dy, carry] = [
          r([T * B, 3 * U], 1),
          r([B, 2 * U], 2),
          r([B, U], 3),
          r([U, U], 4),
          r([B, U], 5),
          r([T * B, U], 6),
          r([B, U], 7),
        ];
        const mask = tf.tensor1d(Array.from({ length: T * B }, (_, k) => (k % 3 === 1 ? 0 : 1)));
        const step = 2;
        const [gates, rh] = run(GRU_GATES, { proj, hu, hPrev }, step);
        const rhu = tf.matMul(rh, uh);
        const [hh, h] = run(GRU_CELL, { proj, rhu, gates, hPrev, mask }, step);
        const azr = tf.add(tf.slice(proj, [step * B, 0], [B, 2 * U]), hu);
        const projH = tf.slice(proj, [step * B, 2 * U], [B, U]);
        const m = tf.reshape(tf.slice(mask, [step * B], [B]), [B, 1]);
        expect(Array.from(m.dataSync())).toEqual([1, 0, 1]);
        const ref = stepReference(azr, projH, hPrev, uh, m);
        expect(rel(gates, ref.gates)).toBeLessThan(1e-6);
        expect(rel(rh, ref.rh)).toBeLessThan(1e-6);
        expect(rel(hh, ref.hh)).toBeLessThan(1e-6);
        expect(rel(h, ref.h)).toBeLessThan(1e-6);
        // Backward through the whole step (kernels and the matMul between them) against autodiff of the reference.
        const [dhh, aux] = run(GRU_CELL_GRAD, { gates, hh, hPrev, dhRec, dy, carry, mask }, step);
        const drh = tf.matMul(dhh, uh, false, true);
        const [dzr, carryOut] = run(GRU_GATES_GRAD, { drh, gates, hPrev, aux });
        const dh = tf.add(tf.add(dhRec, carry), tf.slice(dy, [step * B, 0], [B, U]));
        const [gA, gP, gH] = tf.grads((a: tf.Tensor, p: tf.Tensor, hp: tf.Tensor) =>
          tf.sum(tf.mul(stepReference(a, p, hp, uh, m).h, dh)),
        )([azr, projH, hPrev]);
        expect(rel(dzr, gA)).toBeLessThan(1e-5);
        expect(rel(dhh, gP)).toBeLessThan(1e-5);
        expect(rel(carryOut, gH)).toBeLessThan(1e-5);
      });
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
    },
  );
});

describe('FusedGRU', () => {
  test.each(VARIANTS)('%s: outputs and all gradients equal tfjs-layers GRU within 1e-5 relative', async (_, v) => {
    const args = {
      units: 5,
      returnSequences: !!v.returnSequences,
      returnState: !!v.returnState,
      goBackwards: !!v.goBackwards,
    };
    const ref = tfl.layers.gru({ ...args, recurrentActivation: 'sigmoid' });
    await expectFusedMatchesReference(ref, fusedGru(args), { batch: 4, units: 5, stateCount: 1, ...v });
  });

  test('on wasm: outputs and gradients equal tfjs-layers GRU on wasm (masked, initial state)', async () => {
    await tf.setBackend('wasm');
    const args = { units: 4, returnSequences: true };
    const ref = tfl.layers.gru({ ...args, recurrentActivation: 'sigmoid' });
    await expectFusedMatchesReference(ref, fusedGru(args), { batch: 4, units: 4, stateCount: 1 });
    await tf.setBackend('cpu');
  });

  test('saves and reloads (Masking, initial state, returnState), trains without leaks, streams as a GRU', async () => {
    const x = tfl.input({ shape: [null, 2] });
    const h0 = tfl.input({ shape: [3] });
    const masked = tfl.layers.masking({ maskValue: 0 }).apply(x) as tfl.SymbolicTensor;
    const layer = fusedGru({ units: 3, returnSequences: true, returnState: true, goBackwards: true });
    const out = layer.apply(masked, { initialState: [h0] }) as tfl.SymbolicTensor[];
    const m = tfl.model({ inputs: [x, h0], outputs: out });
    const xs = tf.mul(
      tf.randomNormal([2, 5, 2], 0, 1, 'float32', 8),
      tf.tensor3d([1, 1, 0, 1, 1, 1, 1, 1, 0, 0], [2, 5, 1]),
    );
    const s = tf.fill([2, 3], 0.3);
    await m.save(`file://${join(dir, 'gru')}`);
    const back = await tfl.loadLayersModel(`file://${join(dir, 'gru', 'model.json')}`);
    expect(back.layers.some((l) => l instanceof FusedGRU)).toBe(true);
    const a = m.predict([xs, s]) as tf.Tensor[];
    const b = back.predict([xs, s]) as tf.Tensor[];
    expect(b.length).toBe(2);
    for (const [i, t] of a.entries()) expect(rel(b[i], t)).toBeLessThan(1e-6);
    // the Masking layer's mask reaches the layer: same result as the explicit mask
    const direct = layer.apply(xs, { mask: tf.any(tf.notEqual(xs, 0), -1), initialState: [s] }) as tf.Tensor[];
    expect(rel(a[0], direct[0])).toBeLessThan(1e-6);
    // training: loss falls, no tensor left behind; streaming turns a FusedGRU into a stateful GRU
    const seqIn = tfl.input({ shape: [5, 2] });
    const seqOut = fusedGru({ units: 3, returnSequences: true }).apply(seqIn) as tfl.SymbolicTensor;
    const seq = tfl.model({ inputs: seqIn, outputs: seqOut });
    await expectTrainsAndStreams(seq, tf.randomNormal([2, 5, 2], 0, 1, 'float32', 9), 3, 'GRU');
  });

  test('what is not fused is refused with the argument named; bad input too', () => {
    expect(() => fusedGru({ units: 2, dropout: 0.1 })).toThrow(/FusedGRU: dropout/);
    expect(() => fusedGru({ units: 2, recurrentDropout: 0.1 })).toThrow(/FusedGRU: recurrentDropout/);
    expect(() => fusedGru({ units: 2, stateful: true })).toThrow(/FusedGRU: stateful/);
    const w = { kernel: tf.zeros([2, 6]), recurrentKernel: tf.zeros([2, 6]), bias: tf.zeros([6]) } as never;
    const x = tf.zeros([1, 3, 2]) as tf.Tensor3D;
    expect(() => gruSequence(x, { ...(w as object), bias: tf.zeros([4]) } as never)).toThrow(/gruSequence: weights/);
    expect(() => gruSequence(x, w, { initialState: [tf.zeros([2, 2])] })).toThrow(/gruSequence: initialState\[0\]/);
    expect(() => gruSequence(x, w, { mask: tf.ones([3, 1]) })).toThrow(/gruSequence: mask/);
  });
});
