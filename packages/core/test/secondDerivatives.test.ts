import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { initBackend } from '../src/index.js';

/**
 * Second derivatives (a gradient of a gradient, as WGAN-GP's gradient penalty takes) of activations against
 * central finite differences of the first derivative, in float64 arithmetic of float32 gradients. `f(x) * x`
 * makes the gradient depend on x through two paths, so a path the tape drops shows as a wrong number (tfjs's own
 * Tanh/Sigmoid gradients gave 0.51 for -0.06 at x = -1.3), not only as a throw.
 */
const ACTIVATIONS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
  tanh: tf.tanh,
  sigmoid: tf.sigmoid,
  exp: tf.exp,
  elu: tf.elu,
  softplus: tf.softplus,
  leakyRelu: (x) => tf.leakyRelu(x, 0.2),
};
const XS = [-1.3, -0.4, 0.3, 0.9, 2.1];

function firstDerivative(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), t)))(x);
}

describe.each(['cpu', 'wasm'])('second derivatives on %s', (backend) => {
  beforeAll(async () => {
    await initBackend({ prefer: [backend as 'cpu' | 'wasm'] });
  });

  test.each(Object.keys(ACTIVATIONS))('d/dx grad(%s(x) * x) matches finite differences', (name) => {
    const f = ACTIVATIONS[name];
    const before = tf.memory().numTensors;
    const auto = tf.tidy(() =>
      tf
        .grad((t: tf.Tensor) => tf.sum(firstDerivative(f, t)))(tf.tensor1d(XS))
        .dataSync(),
    );
    const h = 1e-2;
    const numeric = tf.tidy(() => {
      const up = firstDerivative(f, tf.tensor1d(XS.map((v) => v + h))).dataSync();
      const down = firstDerivative(f, tf.tensor1d(XS.map((v) => v - h))).dataSync();
      return XS.map((_, i) => (up[i] - down[i]) / (2 * h));
    });
    for (let i = 0; i < XS.length; i++) expect(auto[i], `${name} at x = ${XS[i]}`).toBeCloseTo(numeric[i], 2);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('first derivatives are unchanged (tanh, sigmoid, exp, elu against closed forms)', () => {
    const x = tf.tensor1d(XS);
    const got = Object.fromEntries(
      ['tanh', 'sigmoid', 'exp', 'elu'].map((n) => [
        n,
        tf
          .grad((t: tf.Tensor) => tf.sum(ACTIVATIONS[n](t)))(x)
          .dataSync(),
      ]),
    );
    XS.forEach((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      expect(got.tanh[i]).toBeCloseTo(1 - Math.tanh(v) ** 2, 5);
      expect(got.sigmoid[i]).toBeCloseTo(s * (1 - s), 5);
      expect(got.exp[i]).toBeCloseTo(Math.exp(v), 4);
      expect(got.elu[i]).toBeCloseTo(v > 0 ? 1 : Math.exp(v), 5);
    });
    // ELU's gradient stays finite where exp(x) overflows
    const big = tf
      .grad((t: tf.Tensor) => tf.sum(tf.elu(t)))(tf.tensor1d([100]))
      .dataSync();
    expect(big[0]).toBe(1);
    x.dispose();
  });
});
