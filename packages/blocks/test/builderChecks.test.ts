import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { lenet5, mlp, smallCnn } from '../src/index.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

describe('model builders check minimum input sizes and option types with InputError', () => {
  test('smallCnn below 4x4 (feature maps of size 0, a constant prediction) is refused', () => {
    expect(() => smallCnn({ inputShape: [2, 2, 1] })).toThrow(InputError);
    expect(() => smallCnn({ inputShape: [3, 8, 1] })).toThrow(
      /smallCnn: inputShape: expected spatial sizes of at least 4/,
    );
    const m = smallCnn({ inputShape: [4, 4, 1], filters: [2, 2], dense: 4 });
    const y = m.predict(tf.ones([1, 4, 4, 1])) as tf.Tensor;
    expect(y.shape).toEqual([1, 10]);
    tf.dispose(y);
    m.dispose();
  });
  test('lenet5 too small for its valid 5x5 C3 throws InputError at build time, not an untyped error on predict', () => {
    expect(() => lenet5({ inputShape: [4, 4, 1] })).toThrow(
      /lenet5: inputShape: expected spatial sizes of at least 12/,
    );
    expect(() => lenet5({ inputShape: [8, 8, 1] })).toThrow(InputError);
    expect(() => lenet5({ pooling: 'min' as 'max' })).toThrow(/lenet5: pooling: expected one of "average", "max"/);
    const m = lenet5({ inputShape: [12, 12, 1] });
    const y = m.predict(tf.ones([1, 12, 12, 1])) as tf.Tensor;
    expect(y.shape).toEqual([1, 10]);
    tf.dispose(y);
    m.dispose();
  });
  test("mlp({ hidden: 'abc' }) and a non-boolean batchNorm throw InputError, not a TypeError", () => {
    expect(() => mlp({ hidden: 'abc' as unknown as number[] })).toThrow(
      /mlp: hidden: expected an array of layer widths, got/,
    );
    expect(() => mlp({ batchNorm: 'yes' as unknown as boolean })).toThrow(/mlp: batchNorm: expected true or false/);
    expect(() => smallCnn({ batchNorm: 1 as unknown as boolean })).toThrow(InputError);
  });
});
