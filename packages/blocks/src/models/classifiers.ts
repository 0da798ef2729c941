import * as tfl from '@tensorflow/tfjs-layers';
import {
  checkBoolean,
  checkInt,
  checkNumber,
  checkOneOf,
  checkRate,
  checkShape,
  describeValue,
  InputError,
} from '@tiefe/core';
import { convUnit } from '../blocks/convUnit.js';
import { activate, batchNorm, dropout, l2Reg, on } from '../blocks/layersUtil.js';
import type { ActivationName, Sym } from '../options.js';

/** Options of {@link mlp}. */
export interface MlpOptions {
  /** Input shape without the batch axis (default `[784]`); inputs of higher rank are flattened first. */
  inputShape?: number[];
  /** Widths of the hidden layers (default `[128]`). */
  hidden?: number[];
  /** Output classes (default 10); the output is a softmax (a sigmoid for 1 class). */
  classes?: number;
  /** Hidden activation (default `'relu'`). */
  activation?: ActivationName;
  /** Dropout rate after each hidden layer (default 0). */
  dropout?: number;
  /** Batch norm after each hidden dense layer, before the activation (default false). */
  batchNorm?: boolean;
  /** L2 weight decay on every kernel (default 0). */
  l2?: number;
}

/**
 * Multi-layer perceptron: `[flatten] -> (dense -> [BN] -> act -> [dropout]) x hidden -> dense(classes)`.
 * Parameters: `sum (n_in + 1) n_out` over the dense layers (+ 4 per unit with batch norm).
 */
export function mlp(options: MlpOptions = {}): tfl.LayersModel {
  const inputShape = options.inputShape ?? [784];
  if (!Array.isArray(inputShape) || inputShape.length < 1) checkShape('mlp: inputShape', inputShape, 1);
  checkShape('mlp: inputShape', inputShape, inputShape.length);
  const hidden = options.hidden ?? [128];
  if (!Array.isArray(hidden)) throw new InputError('mlp: hidden', 'an array of layer widths', describeValue(hidden));
  if (options.batchNorm !== undefined) checkBoolean('mlp: batchNorm', options.batchNorm);
  hidden.forEach((h, i) => {
    checkInt(`mlp: hidden[${i}]`, h);
  });
  const classes = checkInt('mlp: classes', options.classes ?? 10);
  if (options.dropout !== undefined) checkRate('mlp: dropout', options.dropout);
  if (options.l2 !== undefined) checkNumber('mlp: l2', options.l2, 0);
  const input = tfl.input({ shape: inputShape });
  let x: Sym = inputShape.length > 1 ? on(tfl.layers.flatten(), input) : input;
  for (const units of hidden) {
    x = on(tfl.layers.dense({ units, useBias: !options.batchNorm, kernelRegularizer: l2Reg(options.l2) }), x);
    if (options.batchNorm) x = batchNorm(x);
    x = dropout(activate(x, options.activation ?? 'relu'), options.dropout);
  }
  const out = classifierHead(x, classes, options.l2);
  return tfl.model({ inputs: input, outputs: out, name: 'mlp' });
}

/** Dense output layer: softmax over `classes`, or a sigmoid unit for `classes === 1`. */
export function classifierHead(x: Sym, classes: number, l2?: number): Sym {
  return on(
    tfl.layers.dense({
      units: classes,
      activation: classes === 1 ? 'sigmoid' : 'softmax',
      kernelRegularizer: l2Reg(l2),
    }),
    x,
  );
}

/** Options of {@link lenet5}. */
export interface Lenet5Options {
  /** Input shape (default `[32, 32, 1]`, LeCun 1998). Inputs smaller than 32x32 (MNIST's 28x28) get `'same'` padding in C1. */
  inputShape?: [number, number, number];
  /** Classes (default 10). */
  classes?: number;
  /** Activation (default `'tanh'`, as the original; `'relu'` trains faster). */
  activation?: ActivationName;
  /** Sub-sampling: `'average'` (default, as S2/S4) or `'max'`. */
  pooling?: 'average' | 'max';
}

/**
 * LeNet-5 (LeCun et al. 1998), fully connected C3: `C1 conv5x5(6) -> S2 pool2 -> C3 conv5x5(16) -> S4 pool2 ->
 * flatten -> C5 dense(120) -> F6 dense(84) -> dense(classes)`. On 32x32x1 with 10 classes it has
 * 156 + 2,416 + 48,120 + 10,164 + 850 = 61,706 parameters. A 28x28 input is padded (`'same'`) in C1 so the
 * feature maps (and the parameter count) are those of the 32x32 net.
 */
export function lenet5(options: Lenet5Options = {}): tfl.LayersModel {
  const inputShape = checkShape('lenet5: inputShape', options.inputShape ?? [32, 32, 1], 3);
  const classes = checkInt('lenet5: classes', options.classes ?? 10);
  const act = options.activation ?? 'tanh';
  checkOneOf('lenet5: pooling', options.pooling ?? 'average', ['average', 'max'] as const);
  // Feature-map sizes: C1 ('same' below 32, else 'valid' 5x5), S2 /2, C3 'valid' 5x5, S4 /2; S4 must keep >= 1.
  for (const [axis, n] of [inputShape[0], inputShape[1]].entries()) {
    const c1 = inputShape[0] < 32 || inputShape[1] < 32 ? n : n - 4;
    if (Math.floor((Math.floor(c1 / 2) - 4) / 2) < 1) {
      throw new InputError(
        'lenet5: inputShape',
        `spatial sizes of at least ${n < 32 ? 12 : 32} (C1, S2, C3 5x5 valid and S4 must leave a feature map)`,
        `${JSON.stringify(inputShape)} (axis ${axis} would shrink to nothing)`,
      );
    }
  }
  const pool = () =>
    options.pooling === 'max'
      ? tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 })
      : tfl.layers.averagePooling2d({ poolSize: 2, strides: 2 });
  const input = tfl.input({ shape: inputShape });
  const c1Padding = inputShape[0] < 32 || inputShape[1] < 32 ? 'same' : 'valid';
  let x = convUnit(input, { filters: 6, kernelSize: 5, padding: c1Padding, activation: act });
  x = on(pool(), x);
  x = convUnit(x, { filters: 16, kernelSize: 5, padding: 'valid', activation: act });
  x = on(pool(), x);
  x = on(tfl.layers.flatten(), x);
  x = activate(on(tfl.layers.dense({ units: 120 }), x), act);
  x = activate(on(tfl.layers.dense({ units: 84 }), x), act);
  return tfl.model({ inputs: input, outputs: classifierHead(x, classes), name: 'lenet5' });
}

/** Options of {@link smallCnn}. */
export interface SmallCnnOptions {
  /** Input shape (default `[28, 28, 1]`, MNIST). */
  inputShape?: [number, number, number];
  /** Classes (default 10). */
  classes?: number;
  /** Widths of the two conv stages (default `[32, 64]`); each stage is two 3x3 convs and a 2x2 max pool. */
  filters?: [number, number];
  /** Width of the dense layer (default 128). */
  dense?: number;
  /** Batch norm after each conv (default true). */
  batchNorm?: boolean;
  /**
   * Batch-norm momentum of the moving statistics (default 0.9, PyTorch's 0.1 in Keras terms). Keras' 0.99
   * leaves 0.99^steps of the initial variance 1 in the statistics used at inference: after a first program's
   * 250 steps conv outputs' moving variances were 11-15x their true values and held-out accuracy fell to 70%
   * while training accuracy said 95%.
   */
  bnMomentum?: number;
  /**
   * Dropout on the flattened features and before the classifier (default 0.1: the getting-started program's two
   * epochs reached 97.2% on held-out digits with 0.1, 96.1% with 0.3).
   */
  dropout?: number;
  /** L2 weight decay on every kernel (default 0). */
  l2?: number;
}

/**
 * A small CNN for MNIST-sized digits: `(conv3x3 -> BN -> relu) x2 -> maxpool2` at `filters[0]` and
 * `filters[1]` channels, then `flatten -> dropout -> dense(dense, relu) -> dropout -> dense(classes, softmax)`.
 * At the defaults (28x28x1, 10 classes) it has 468,394 parameters (1,536 of them batch-norm statistics).
 */
export function smallCnn(options: SmallCnnOptions = {}): tfl.LayersModel {
  const inputShape = checkShape('smallCnn: inputShape', options.inputShape ?? [28, 28, 1], 3);
  const classes = checkInt('smallCnn: classes', options.classes ?? 10);
  const [f1, f2] = options.filters ?? [32, 64];
  checkInt('smallCnn: filters[0]', f1);
  checkInt('smallCnn: filters[1]', f2);
  const dense = checkInt('smallCnn: dense', options.dense ?? 128);
  const rate = checkRate('smallCnn: dropout', options.dropout ?? 0.1);
  const bnMomentum = checkNumber('smallCnn: bnMomentum', options.bnMomentum ?? 0.9, 0, 1);
  if (options.batchNorm !== undefined) checkBoolean('smallCnn: batchNorm', options.batchNorm);
  // Two 2x2 max pools ('valid'): each spatial size must be at least 4, or a feature map shrinks to 0 and the
  // model predicts a constant.
  if (inputShape[0] < 4 || inputShape[1] < 4) {
    throw new InputError(
      'smallCnn: inputShape',
      'spatial sizes of at least 4 (two 2x2 max pools)',
      `${JSON.stringify(inputShape)}, whose feature maps would shrink to 0`,
    );
  }
  const unit = { batchNorm: options.batchNorm ?? true, bnMomentum, activation: 'relu', l2: options.l2 } as const;
  const input = tfl.input({ shape: inputShape });
  let x: Sym = input;
  for (const f of [f1, f2]) {
    x = convUnit(x, { ...unit, filters: f });
    x = convUnit(x, { ...unit, filters: f });
    x = on(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }), x);
  }
  x = dropout(on(tfl.layers.flatten(), x), rate);
  x = on(tfl.layers.dense({ units: dense, activation: 'relu', kernelRegularizer: l2Reg(options.l2) }), x);
  x = dropout(x, rate);
  return tfl.model({ inputs: input, outputs: classifierHead(x, classes, options.l2), name: 'small_cnn' });
}
