import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng, InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluateQuantization, quantizeModel } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tiefe-deploy-quantize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

/** input [4] -> dense 'probe' (1 unit, linear) with the given kernel and bias. */
function probe(kernel: number[], bias: number): tfl.LayersModel {
  const input = tfl.input({ shape: [4] });
  const out = tfl.layers.dense({ units: 1, name: 'probe' }).apply(input) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  tf.tidy(() => model.setWeights([tf.tensor2d(kernel, [4, 1]), tf.tensor1d([bias])]));
  return model;
}

/** A small seeded classifier: input [6] -> dense(8, relu) -> dense(3, softmax). */
function classifier(): tfl.LayersModel {
  const input = tfl.input({ shape: [6] });
  const h = tfl.layers.dense({ units: 8, activation: 'relu', name: 'hidden' }).apply(input);
  const out = tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }).apply(h) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  const rng = createRng(7);
  tf.tidy(() => model.setWeights(model.getWeights().map((w) => tf.tensor(randomValues(rng, w.size), w.shape))));
  return model;
}

function randomValues(rng: ReturnType<typeof createRng>, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * 0.8);
}

async function loadedWeights(url: string): Promise<Float32Array[]> {
  const m = await tfl.loadLayersModel(url);
  const values = m.getWeights().map((w) => w.dataSync() as Float32Array);
  m.dispose();
  return values;
}

/** Every finite half-precision value, ascending, with its bit pattern: decoded from the IEEE formula. */
const halves = (() => {
  const list: { value: number; bits: number }[] = [];
  for (let bits = 0; bits < 0x7c00; bits++) {
    const e = bits >> 10;
    const m = bits & 0x3ff;
    const value = e === 0 ? m * 2 ** -24 : 2 ** (e - 15) * (1 + m / 1024);
    list.push({ value, bits }, { value: -value, bits: bits | 0x8000 });
  }
  return list.sort((a, b) => a.value - b.value);
})();

/** The nearest half to v by search over all of them, ties to the even bit pattern (IEEE round-to-nearest-even). */
function nearestHalf(v: number): number {
  let best = halves[0];
  for (const h of halves) {
    const d = Math.abs(h.value - v);
    const db = Math.abs(best.value - v);
    if (d < db || (d === db && (h.bits & 1) === 0)) best = h;
  }
  return best.value;
}

describe('quantizeModel', () => {
  test('uint8 and uint16 follow the converter: nudged zero, ties to even, a constant tensor stored as its value', async () => {
    const model = probe([-1, 0, 0.5, 2], 0.25);
    await model.save(`file://${join(dir, 'probe')}`);
    const source = `file://${join(dir, 'probe', 'model.json')}`;
    const u8 = await quantizeModel(source, { dtype: 'uint8', save: `file://${join(dir, 'probe-u8')}` });
    // Hand computation: scale 3/255, zero point round(1/scale) = 85 so min = -1; 0.5 sits at code 127.5 -> 128.
    const [k8, b8] = await loadedWeights(`file://${join(dir, 'probe-u8', 'model.json')}`);
    expect(Array.from(k8)).toEqual([-1, 0, 128 * (3 / 255) - 1, 2].map(Math.fround));
    expect(k8[2]).toBeCloseTo(0.505882, 6);
    expect(Array.from(b8)).toEqual([0.25]);
    expect(u8.report.weights.map((w) => [w.name, w.scale, w.min])).toEqual([
      ['probe/kernel', 3 / 255, -85 * (3 / 255)],
      ['probe/bias', 1, 0.25],
    ]);
    expect(u8.report.maxAbsError).toBeCloseTo(128 * (3 / 255) - 1.5, 6);
    // 4 + 1 codes of one byte each, against 5 float32 values.
    expect([u8.report.bytesBefore, u8.report.bytesAfter]).toEqual([20, 5]);
    expect(statSync(join(dir, 'probe-u8', 'weights.bin')).size).toBe(5);

    // Exact ties (scale 1/128): the zero point 2.5 and the code 126.5 both round to even (2 and 126), as np.round.
    const ties = await quantizeModel(probe([-2.5 / 128, 0, 124.5 / 128, 252.5 / 128], 0), { dtype: 'uint8' });
    const mt = await tfl.loadLayersModel(tf.io.fromMemory(ties.artifacts));
    expect(Array.from(mt.getWeights()[0].dataSync())).toEqual([-2 / 128, 0, 124 / 128, 252 / 128]);
    expect(ties.report.weights[0]).toMatchObject({ scale: 1 / 128, min: -2 / 128 });
    mt.dispose();

    // uint16: zero point 21845; 0.5 sits at 32767.5 -> 32768 (even).
    const u16 = await quantizeModel(source, { dtype: 'uint16' });
    const m16 = await tfl.loadLayersModel(tf.io.fromMemory(u16.artifacts));
    expect(Array.from(m16.getWeights()[0].dataSync())).toEqual([-1, 0, 32768 * (3 / 65535) - 1, 2].map(Math.fround));
    expect(u16.report.bytesAfter).toBe(10);
    m16.dispose();
    model.dispose();
  });

  test('float16 rounds to nearest even, subnormals included, as numpy astype(float16) does', async () => {
    const model = probe([1 / 3, 1e-7, 1 + 2 ** -11, 1 + 3 * 2 ** -11], 2 ** -25);
    const { artifacts, report } = await quantizeModel(model, { dtype: 'float16' });
    const m = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const [k, b] = m.getWeights().map((w) => Array.from(w.dataSync()));
    // By hand: 1/3 -> 0x3555 = 0.333251953125; 1e-7 = 1.68 * 2^-24 -> 2 * 2^-24; the two ties go to even mantissas.
    expect(k).toEqual([0.333251953125, 2 ** -23, 1, 1 + 2 ** -9]);
    expect(b).toEqual([0]); // 2^-25 is half way between 0 and the smallest subnormal: even is 0
    expect(report.bytesAfter).toBe(10);
    expect(artifacts.weightSpecs?.map((s) => s.quantization)).toEqual([{ dtype: 'float16' }, { dtype: 'float16' }]);
    m.dispose();
    await expect(quantizeModel(probe([1, 2, 3, 70000], 0), { dtype: 'float16' })).rejects.toThrow(/below 65520/);
    const max = await quantizeModel(probe([65504, -65504, 0, 1], 0), { dtype: 'float16' });
    expect(max.report.maxAbsError).toBe(0);
    model.dispose();
  });

  test('round trip through file:// and tf.loadLayersModel: weights equal the hand rounding, predictions close, sizes', async () => {
    const model = classifier();
    await model.save(`file://${join(dir, 'clf')}`);
    const original = model.getWeights().map((w) => Array.from(w.dataSync()));
    const n = original.reduce((a, w) => a + w.length, 0); // 6*8 + 8 + 8*3 + 3 = 83
    expect(n).toBe(83);
    const x = tf.tensor2d(randomValues(createRng(3), 40 * 6), [40, 6]);
    const yRef = model.predict(x) as tf.Tensor;
    for (const [dtype, bytes, tolerance] of [
      ['float16', 2, 1e-3],
      ['uint8', 1, 0.03],
    ] as const) {
      const { report } = await quantizeModel(`file://${join(dir, 'clf', 'model.json')}`, {
        dtype,
        save: `file://${join(dir, `clf-${dtype}`)}`,
      });
      expect([report.bytesBefore, report.bytesAfter]).toEqual([4 * n, bytes * n]);
      expect(statSync(join(dir, `clf-${dtype}`, 'weights.bin')).size).toBe(bytes * n);
      const loaded = await tfl.loadLayersModel(`file://${join(dir, `clf-${dtype}`, 'model.json')}`);
      const got = loaded.getWeights().map((w) => Array.from(w.dataSync()));
      got.forEach((w, i) => {
        const expected =
          dtype === 'float16'
            ? original[i].map(nearestHalf)
            : (() => {
                // The converter's affine rule, by hand: range nudged so that 0 is a code.
                const lo = Math.min(...original[i]);
                const hi = Math.max(...original[i]);
                const scale = (hi - lo) / 255;
                const min = lo <= 0 && hi >= 0 ? -Math.round(-lo / scale) * scale : lo;
                return original[i].map((v) =>
                  Math.fround(Math.round((Math.min(255 * scale + min, Math.max(min, v)) - min) / scale) * scale + min),
                );
              })();
        expect(w, `${dtype} weight ${i}`).toEqual(expected.map(Math.fround));
        const err = Math.max(...w.map((v, j) => Math.abs(v - original[i][j])));
        expect(report.weights[i].maxAbsError).toBeCloseTo(err, 7);
      });
      const y = loaded.predict(x) as tf.Tensor;
      const diff = tf.max(tf.abs(tf.sub(y, yRef)));
      expect(diff.dataSync()[0], dtype).toBeLessThan(tolerance);
      expect(diff.dataSync()[0], dtype).toBeGreaterThan(0);
      tf.dispose([y, diff]);
      loaded.dispose();
    }
    tf.dispose([x, yRef]);
    model.dispose();
  });

  test('evaluateQuantization: accuracies against a hand count, agreement, and no tensor left', async () => {
    const model = classifier();
    const x = tf.tensor2d(randomValues(createRng(11), 60 * 6), [60, 6]);
    const probs = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const argmax = probs.map((r) => r.indexOf(Math.max(...r)));
    // Labels: the model's own class for the first 45 samples, another class for the last 15 -> 75% by hand.
    const labels = argmax.map((c, i) => (i < 45 ? c : (c + 1) % 3));
    const quantized = await quantizeModel(model, { dtype: 'uint8' });
    const before = tf.memory().numTensors;
    const e = await evaluateQuantization(model, quantized, x, labels);
    expect(tf.memory().numTensors).toBe(before);
    expect(e.samples).toBe(60);
    expect(e.accuracyBefore).toBe(0.75);
    const q = await tfl.loadLayersModel(tf.io.fromMemory(quantized.artifacts));
    const qp = (q.predict(x) as tf.Tensor).arraySync() as number[][];
    const qArg = qp.map((r) => r.indexOf(Math.max(...r)));
    expect(e.accuracyAfter).toBe(qArg.filter((c, i) => c === labels[i]).length / 60);
    expect(e.agreement).toBe(qArg.filter((c, i) => c === argmax[i]).length / 60);
    expect(e.delta).toBeCloseTo(e.accuracyAfter - e.accuracyBefore, 12);
    const maxDiff = Math.max(...qp.flatMap((r, i) => r.map((v, j) => Math.abs(v - probs[i][j]))));
    expect(e.maxAbsOutputDifference).toBeCloseTo(maxDiff, 6);
    q.dispose();
    // Against a model that mostly says class 0 (its output bias raised): the figures must follow that model.
    const biased = classifier();
    tf.tidy(() => biased.getLayer('out').setWeights([biased.getLayer('out').getWeights()[0], tf.tensor1d([3, 0, 0])]));
    const bArg = ((biased.predict(x) as tf.Tensor).arraySync() as number[][]).map((r) => r.indexOf(Math.max(...r)));
    const eb = await evaluateQuantization(model, biased, x, labels);
    expect(eb.accuracyAfter).toBe(bArg.filter((c, i) => c === labels[i]).length / 60);
    expect(eb.accuracyAfter).not.toBe(eb.accuracyBefore);
    expect(eb.agreement).toBe(bArg.filter((c, i) => c === argmax[i]).length / 60);
    biased.dispose();
    tf.dispose(x);
    model.dispose();
  });

  test('leaves no tensor behind, from a model, a handler or a URL', async () => {
    const model = classifier();
    await model.save(`file://${join(dir, 'leak')}`);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      await quantizeModel(model, { dtype: 'uint8' });
      await quantizeModel(`file://${join(dir, 'leak', 'model.json')}`, { dtype: 'float16' });
    }
    const viaHandler = await quantizeModel(
      tf.io.fromMemory((await quantizeModel(model, { dtype: 'uint8' })).artifacts),
      {
        dtype: 'float16',
      },
    );
    expect(viaHandler.report.bytesBefore).toBe(83); // a quantised source is read through decodeWeights too
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('bad input: typed errors naming the argument', async () => {
    const model = probe([1, 2, 3, 4], 0);
    const err = async (p: Promise<unknown>, input: string) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).input).toBe(input);
      return e as InputError;
    };
    await err(quantizeModel(model, { dtype: 'int4' as 'uint8' }), 'quantizeModel: dtype');
    const g = await err(
      quantizeModel(model, { dtype: 'uint8', granularity: 'channel' as 'tensor' }),
      'quantizeModel: granularity',
    );
    expect(g.message).toMatch(/one scale and min per weight/);
    await err(quantizeModel(42 as unknown as string, { dtype: 'uint8' }), 'quantizeModel: source');
    await err(quantizeModel('nowhere://model', { dtype: 'uint8' }), 'quantizeModel: source');
    await err(quantizeModel(probe([1, Number.NaN, 3, 4], 0), { dtype: 'uint8' }), 'quantizeModel: source');
    await err(
      evaluateQuantization(model, {} as tfl.LayersModel, tf.zeros([1, 4]), [0]),
      'evaluateQuantization: quantized',
    );
    model.dispose();
  });
});
