import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, test } from 'vitest';
import { heaviside, InputError, initBackend, Step, seed, step } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
});

describe('heaviside op', () => {
  test('H(x) = 1 for x >= 0 (H(0) = 1), 0 below, float32 output', async () => {
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => heaviside(tf.tensor1d([-2, -1e-7, 0, 1e-7, 3])));
    expect(y.dtype).toBe('float32');
    expect(Array.from(await y.data())).toEqual([0, 0, 1, 1, 1]);
    y.dispose();
    const yi = tf.tidy(() => heaviside(tf.tensor1d([-1, 0, 1], 'int32')));
    expect(Array.from(await yi.data())).toEqual([0, 1, 1]);
    yi.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  test('gradients: zero (matches finite differences), identity, clipped straight-through', async () => {
    const xs = [-2, -0.5, 0.3, 0.9, 1.5];
    const before = tf.memory().numTensors;
    const grads = tf.tidy(() => {
      const x = tf.tensor1d(xs);
      const w = tf.tensor1d([1, 2, 3, 4, 5]); // upstream gradient dy = w
      return (['zero', 'identity', 'clipped'] as const).map((gradient) =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(heaviside(v, { gradient }), w)))(x),
      );
    });
    const [zero, identity, clipped] = await Promise.all(grads.map((g) => g.data()));
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    // Central differences of sum(w * H(x)) with h = 1e-3 away from the jump: all 0.
    const h = 1e-3;
    const f = (v: number[]) => v.reduce((a, x, i) => a + (i + 1) * (x >= 0 ? 1 : 0), 0);
    const fd = xs.map((_, i) => {
      const up = [...xs];
      const down = [...xs];
      up[i] += h;
      down[i] -= h;
      return (f(up) - f(down)) / (2 * h);
    });
    expect(Array.from(zero)).toEqual(fd);
    expect(Array.from(identity)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(clipped)).toEqual([0, 2, 3, 4, 0]);
    expect(() => heaviside(tf.scalar(1), { gradient: 'sigmoid' as never })).toThrow(InputError);
  });
});

function buildModel(gradient: 'zero' | 'identity'): tfl.LayersModel {
  seed(11);
  const input = tfl.input({ shape: [3] });
  const hidden = tfl.layers.dense({ units: 4, name: 'hidden' }).apply(input) as tfl.SymbolicTensor;
  const stepped = step({ gradient, name: 'heaviside' }).apply(hidden) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 1, name: 'out' }).apply(stepped) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return model;
}

describe('Step layer', () => {
  test('save / load round trip through model.json predicts the same and keeps the gradient option', async () => {
    const model = buildModel('identity');
    const x = tf.tensor2d([
      [0.5, -1, 2],
      [-0.3, 0.2, 0.1],
      [1, 1, -1],
    ]);
    const before = tf.memory().numTensors;
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const topology = JSON.stringify(saved?.modelTopology);
    expect(topology).toContain('"class_name":"Step"');
    expect(topology).toContain('"gradient":"identity"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const layer = loaded.getLayer('heaviside');
    expect(layer).toBeInstanceOf(Step);
    expect((layer as Step).gradient).toBe('identity');
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    // The hidden activations really are 0/1.
    const probe = tfl.model({ inputs: loaded.inputs, outputs: layer.output as tfl.SymbolicTensor });
    const h = probe.predict(x) as tf.Tensor;
    expect(new Set(await h.data())).toEqual(new Set([0, 1]));
    tf.dispose([a, b, h]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    x.dispose();
  });

  test("'zero' freezes the layers below; 'identity' (straight-through) trains them", async () => {
    const x = tf.tensor2d([
      [0.5, -1, 2],
      [-0.3, 0.2, 0.1],
      [1, 1, -1],
      [0.2, 0.4, 0.6],
    ]);
    const y = tf.tensor2d([[1], [0], [1], [0]]);
    const changes: number[] = [];
    for (const gradient of ['zero', 'identity'] as const) {
      const model = buildModel(gradient);
      const kernel = model.getLayer('hidden').getWeights()[0];
      const k0 = await kernel.data();
      const before = tf.memory().numTensors;
      await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
      expect(tf.memory().numTensors).toBe(before);
      const k1 = await model.getLayer('hidden').getWeights()[0].data();
      changes.push(Math.max(...Array.from(k1, (v, i) => Math.abs(v - k0[i]))));
      model.dispose();
    }
    expect(changes[0]).toBe(0);
    expect(changes[1]).toBeGreaterThan(1e-4);
    tf.dispose([x, y]);
  });
});
