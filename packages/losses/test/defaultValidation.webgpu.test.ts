import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { diceLoss } from '../src/index.js';

beforeAll(async () => {
  await initBackend({ prefer: ['webgpu'] });
});

describe("validate 'first' on WebGPU in Node (no synchronous read)", () => {
  test('the first call checks asynchronously and the next call throws; nothing is left behind', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const probs = tf.softmax(
      tf.tensor4d(
        Array.from({ length: 24 }, (_, i) => Math.sin(i)),
        [1, 2, 4, 3],
      ),
    );
    const bad = tf.tensor3d([0, 1, 7, 1, 0, 0, 9, 1], [1, 2, 4], 'int32');
    const before = tf.memory().numTensors;
    const loss = diceLoss();
    tf.dispose(loss(bad, probs)); // no synchronous read possible: the check is under way
    await new Promise((r) => setTimeout(r, 200));
    expect(() => loss(bad, probs)).toThrow(InputError);
    expect(tf.memory().numTensors).toBe(before);
    // a good first batch passes and is not checked again
    const good = tf.tensor3d([0, 1, 2, 1, 0, 0, 2, 1], [1, 2, 4], 'int32');
    const ok = diceLoss();
    tf.dispose(ok(good, probs));
    await new Promise((r) => setTimeout(r, 200));
    tf.dispose(ok(good, probs));
    tf.dispose([probs, bad, good]);
  });
});
