import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, LSTM_CELL, LSTM_CELL_GRAD } from '@tiefe/core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { FusedLSTM, fusedLstm, lstmSequence } from '../src/index.js';
import { expectFusedMatchesReference, expectTrainsAndStreams, VARIANTS } from './fusedAgainstReference.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-fused-'));
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

/** One LSTM step from composed tfjs ops: the independent reference of the fused kernels (layouts as theirs). */
function cellReference(z: tf.Tensor, cp: tf.Tensor, hp: tf.Tensor, m: tf.Tensor) {
  const [zi, zf, zg, zo] = tf.split(z, 4, 1);
  const [i, f, g, o] = [tf.sigmoid(zi), tf.sigmoid(zf), tf.tanh(zg), tf.sigmoid(zo)];
  const cn = tf.add(tf.mul(f, cp), tf.mul(i, g));
  const keep = tf.sub(1, m);
  const c = tf.add(tf.mul(m, cn), tf.mul(keep, cp));
  const h = tf.add(tf.mul(m, tf.mul(o, tf.tanh(cn))), tf.mul(keep, hp));
  return { gates: tf.concat([i, f, g, o], 1), c, h, tc: tf.tanh(cn) };
}

function kernelInputs(seed: number) {
  const r = (shape: number[], k: number) => tf.randomNormal(shape, 0, 1, 'float32', seed + k);
  const mask = tf.tensor1d(Array.from({ length: T * B }, (_, k) => (k % 3 === 1 ? 0 : 1)));
  return {
    proj: r([T * B, 4 * U], 1),
    hu: r([B, 4 * U], 2),
    prev: r([B, 6 * U], 3),
    hPrev: r([B, U], 4),
    mask,
    dhRec: r([B, U], 5),
    dy: r([T * B, U], 6),
    carry: r([B, 2 * U], 7),
  };
}

describe('TiefeLstmCell / TiefeLstmCellGrad kernels', () => {
  test.each(['cpu', 'wasm'])(
    '%s: equal the composed-ops reference and its autodiff, masked rows included',
    async (backend) => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const a = kernelInputs(30);
        const step = 2; // rows 6..8 of the mask: [1, 0, 1]
        const [state, h] = tf
          .engine()
          .runKernel(
            LSTM_CELL,
            { proj: a.proj, hu: a.hu, prev: a.prev, hPrev: a.hPrev, mask: a.mask },
            { step },
          ) as tf.Tensor[];
        const z = tf.add(tf.slice(a.proj, [step * B, 0], [B, 4 * U]), a.hu);
        const cp = tf.slice(a.prev, [0, 4 * U], [B, U]);
        const m = tf.reshape(tf.slice(a.mask, [step * B], [B]), [B, 1]);
        expect(Array.from(m.dataSync())).toEqual([1, 0, 1]);
        const ref = cellReference(z, cp, a.hPrev, m);
        expect(rel(state, tf.concat([ref.gates, ref.c, ref.tc], 1))).toBeLessThan(1e-6);
        expect(rel(h, ref.h)).toBeLessThan(1e-6);
        // Backward: the gradient of sum(h * dh) + sum(c * dc) with respect to z, c_{t-1} and h_{t-1}.
        const [dz, carryOut] = tf
          .engine()
          .runKernel(
            LSTM_CELL_GRAD,
            { state, prev: a.prev, dhRec: a.dhRec, dy: a.dy, carry: a.carry, mask: a.mask },
            { step },
          ) as tf.Tensor[];
        const dh = tf.add(tf.add(a.dhRec, tf.slice(a.carry, [0, U], [B, U])), tf.slice(a.dy, [step * B, 0], [B, U]));
        const dc = tf.slice(a.carry, [0, 0], [B, U]);
        const [gz, gc, gh] = tf.grads((zz: tf.Tensor, cc: tf.Tensor, hh: tf.Tensor) => {
          const r = cellReference(zz, cc, hh, m);
          return tf.add(tf.sum(tf.mul(r.h, dh)), tf.sum(tf.mul(r.c, dc)));
        })([z, cp, a.hPrev]);
        expect(rel(dz, gz)).toBeLessThan(1e-5);
        expect(rel(tf.slice(carryOut, [0, 0], [B, U]), gc)).toBeLessThan(1e-5);
        expect(rel(tf.slice(carryOut, [0, U], [B, U]), gh)).toBeLessThan(1e-5);
        // the masked row passes dh, dc through and has no gate gradient
        expect(Array.from(tf.slice(dz, [1, 0], [1, 4 * U]).dataSync()).every((v) => v === 0)).toBe(true);
      });
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
    },
  );
});

interface Variant {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  masked?: boolean;
  initialState?: boolean;
}

/**
 * tfjs-layers' LSTM and a FusedLSTM with the same random weights, applied eagerly (tfjs-layers' own LSTM cannot
 * run inside a model with symbolic initial states: its executor passes them twice), with an explicit mask.
 */
function pair(features: number, units: number, v: Variant) {
  const args = {
    units,
    returnSequences: v.returnSequences ?? false,
    returnState: v.returnState ?? false,
    goBackwards: v.goBackwards ?? false,
  };
  const ref = tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
  const fused = fusedLstm(args);
  for (const layer of [ref, fused]) layer.apply(tfl.input({ shape: [null, features] }));
  // random non-trivial weights, also in the bias, so that every gate matters
  ref.setWeights(ref.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 10 + i)));
  fused.setWeights(ref.getWeights());
  return { ref, fused };
}

/** Whole-model use: a Masking layer, symbolic initial states, a model to save and reload. */
function model(layer: tfl.layers.Layer, features: number, units: number, v: Variant): tfl.LayersModel {
  const x = tfl.input({ shape: [null, features] });
  const states = v.initialState ? [tfl.input({ shape: [units] }), tfl.input({ shape: [units] })] : [];
  const seq = v.masked ? (tfl.layers.masking({ maskValue: 0 }).apply(x) as tfl.SymbolicTensor) : x;
  const out = layer.apply(seq, v.initialState ? { initialState: states } : {});
  return tfl.model({ inputs: [x, ...states], outputs: out as tfl.SymbolicTensor[] });
}

describe('FusedLSTM', () => {
  test.each(VARIANTS)('%s: outputs and all gradients equal tfjs-layers LSTM within 1e-5 relative', async (_, v) => {
    const args = {
      units: 5,
      returnSequences: !!v.returnSequences,
      returnState: !!v.returnState,
      goBackwards: !!v.goBackwards,
    };
    const ref = tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
    await expectFusedMatchesReference(ref, fusedLstm(args), { batch: 4, units: 5, stateCount: 2, ...v });
  });

  test('gradient of lstmSequence matches central finite differences', () => {
    const x = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 3);
    const w = {
      kernel: tf.randomNormal([3, 8], 0, 0.5, 'float32', 4) as tf.Tensor2D,
      recurrentKernel: tf.randomNormal([2, 8], 0, 0.5, 'float32', 5) as tf.Tensor2D,
      bias: tf.randomNormal([8], 0, 0.5, 'float32', 6) as tf.Tensor1D,
    };
    const loss = (u: tf.Tensor) => {
      const r = lstmSequence(x as tf.Tensor3D, { ...w, recurrentKernel: u as tf.Tensor2D }, { returnSequences: true });
      return tf.add(tf.sum(tf.square(r.output)), tf.sum(r.c));
    };
    const g = tf.grad(loss)(w.recurrentKernel).dataSync();
    const u0 = w.recurrentKernel.dataSync();
    const eps = 1e-2;
    for (const k of [0, 5, 11, 15]) {
      const up = Float32Array.from(u0);
      const dn = Float32Array.from(u0);
      up[k] += eps;
      dn[k] -= eps;
      const fd =
        (loss(tf.tensor2d(up, [2, 8])).dataSync()[0] - loss(tf.tensor2d(dn, [2, 8])).dataSync()[0]) / (2 * eps);
      expect(Math.abs(fd - g[k])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  test('on wasm: outputs and gradients equal tfjs-layers LSTM on wasm (masked, initial states)', async () => {
    await tf.setBackend('wasm');
    const args = { units: 4, returnSequences: true };
    const ref = tfl.layers.lstm({ ...args, recurrentActivation: 'sigmoid' });
    await expectFusedMatchesReference(ref, fusedLstm(args), { batch: 4, units: 4, stateCount: 2 });
    await tf.setBackend('cpu');
  });

  test('weights move both ways, the layer saves and reloads (with initial states and returnState), training leaks nothing, streaming turns it into an LSTM', async () => {
    const layers = pair(2, 3, { returnSequences: true });
    const ref = model(layers.ref, 2, 3, {});
    const fused = model(layers.fused, 2, 3, {});
    const names = fused.getLayer(fused.layers[1].name).weights.map((v) => v.originalName.split('/').pop());
    expect(names).toEqual(['kernel', 'recurrent_kernel', 'bias']);
    ref.setWeights(fused.getWeights());
    const x = tf.randomNormal([2, 5, 2], 0, 1, 'float32', 8);
    expect(rel(fused.predict(x) as tf.Tensor, ref.predict(x) as tf.Tensor)).toBeLessThan(1e-5);
    await fused.save(`file://${join(dir, 'fused')}`);
    const loaded = await tfl.loadLayersModel(`file://${join(dir, 'fused', 'model.json')}`);
    expect(loaded.layers[1]).toBeInstanceOf(FusedLSTM);
    expect(rel(loaded.predict(x) as tf.Tensor, fused.predict(x) as tf.Tensor)).toBeLessThan(1e-6);
    const v = { initialState: true, returnState: true, goBackwards: true, masked: true };
    const withStates = model(pair(2, 3, v).fused, 2, 3, v);
    await withStates.save(`file://${join(dir, 'states')}`);
    const back = await tfl.loadLayersModel(`file://${join(dir, 'states', 'model.json')}`);
    const s = [tf.ones([2, 3]), tf.fill([2, 3], -0.5)];
    const a = withStates.predict([x, ...s]) as tf.Tensor[];
    const b = back.predict([x, ...s]) as tf.Tensor[];
    expect(b.length).toBe(3);
    for (const [i, t] of a.entries()) expect(rel(b[i], t)).toBeLessThan(1e-6);
    expect((back.layers.find((l) => l instanceof FusedLSTM) as FusedLSTM).goBackwards).toBe(true);
    // a fresh layer starts with the unit forget bias
    const fresh = tfl.sequential({ layers: [fusedLstm({ units: 2, inputShape: [3, 1] })] });
    expect(Array.from(fresh.getWeights()[2].dataSync())).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    // training steps: loss falls, no tensor left behind; streaming turns it into an LSTM
    await expectTrainsAndStreams(fused, x, 3, 'LSTM');
  });

  test('what is not fused is refused with the argument named; bad input too', () => {
    expect(() => fusedLstm({ units: 0 })).toThrow(/FusedLSTM: units/);
    expect(() => fusedLstm({ units: 2, dropout: 0.2 })).toThrow(/FusedLSTM: dropout.*spatialDropout1d/);
    expect(() => fusedLstm({ units: 2, recurrentDropout: 0.2 })).toThrow(/FusedLSTM: recurrentDropout/);
    expect(() => fusedLstm({ units: 2, stateful: true })).toThrow(/FusedLSTM: stateful.*streamingModel/);
    const w = { kernel: tf.zeros([2, 8]), recurrentKernel: tf.zeros([2, 8]), bias: tf.zeros([8]) } as never;
    expect(() => lstmSequence(tf.zeros([1, 2]) as unknown as tf.Tensor3D, w)).toThrow(/lstmSequence: x/);
    const x = tf.zeros([1, 3, 2]) as tf.Tensor3D;
    expect(() => lstmSequence(x, w, { initialState: [tf.zeros([1, 2])] })).toThrow(/lstmSequence: initialState/);
    expect(() => lstmSequence(x, w, { initialState: [tf.zeros([1, 2]), tf.zeros([2, 2])] })).toThrow(
      /lstmSequence: initialState\[1\]/,
    );
    expect(() => lstmSequence(x, w, { mask: tf.ones([1, 4]) })).toThrow(/lstmSequence: mask/);
    const mask = tf.tensor2d([[1, 0, 1]]);
    const before = tf.memory().numTensors;
    const r = lstmSequence(x, w, { mask });
    tf.dispose([r.output, r.h, r.c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
