import * as tf from '@tensorflow/tfjs-core';
import { checkOneOf, InputError } from '@tiefe/core';
import { LINEAR_CLASSES, type LinearMap, linearMapOf, separableMapsOf } from '../lrp/linearMap.js';
import {
  bidirectionalRelevance,
  fusedLstmRelevance,
  gruRelevance,
  lstmRelevance,
  simpleRnnRelevance,
} from '../lrp/lstm.js';
import type { Layer } from './graph.js';

/**
 * How LRP passes relevance through a layer class (and how the forward plan evaluates it):
 * - `passThrough`: elementwise layers (activations, dropout, noise): relevance passes unchanged.
 * - `route`: layers that only move, copy or select values (Flatten, Reshape, padding, Concatenate, nearest
 *   UpSampling, max pooling = winner takes all): R_in = (d y / d x)^T R. Copies sum back, so relevance is conserved.
 * - `zRule`: parameter-free linear layers (Add, average pooling): R_in = x (d y / d x)^T (R / y). With
 *   `linearize`, the rule runs on that function of the layer's inputs instead (LayerNormalization with its
 *   standard deviation frozen, Ali et al. 2022).
 * - `linear`: a layer with weights, z = W x + b, given as a {@link LinearMap}, or as several applied one after the
 *   other (SeparableConv2D: depthwise, then pointwise; a following BatchNormalization folds into the last); the
 *   composite picks the rule of each by the layer's class or its `group` (`'dense'`, `'conv'` for the built-in
 *   ones), and only the first map of the model's first linear layer counts as `isFirst`.
 * - `custom`: `relevance(method, layer, inputs, output, R)` returns the relevance of each input (LSTM, Arras
 *   et al. 2017); called inside a tidy.
 */
export type LayerRule =
  | { type: 'passThrough' }
  | { type: 'route' }
  | { type: 'zRule'; linearize?: (layer: Layer, inputs: tf.Tensor[]) => tf.Tensor }
  | { type: 'linear'; group?: string; linearMap: (layer: Layer) => LinearMap | LinearMap[] }
  | { type: 'custom'; relevance: CustomRelevance };

/**
 * The relevance of a layer's inputs from its inputs, its output and the output's relevance; `mask` is the
 * tfjs-layers mask of the (first) input (e.g. [N, T] after an Embedding with maskZero), null when there is none.
 */
export type CustomRelevance = (
  method: string,
  layer: Layer,
  inputs: tf.Tensor[],
  output: tf.Tensor,
  relevance: tf.Tensor,
  mask: tf.Tensor | null,
) => tf.Tensor[];

const REGISTRY = new Map<string, LayerRule>();
const builtIn = (names: string[], rule: LayerRule) => {
  for (const n of names) REGISTRY.set(n, rule);
};

/** Elementwise activation layers: the plan hands them to a method's nonlinearity hook (guided backprop, DeepLIFT). */
export const ACTIVATION_LAYERS = new Set(['Activation', 'ReLU', 'LeakyReLU', 'ELU', 'ThresholdedReLU', 'PReLU']);

builtIn(
  [...ACTIVATION_LAYERS, 'Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Masking'],
  { type: 'passThrough' },
);
builtIn(
  [
    'Flatten',
    'Reshape',
    'Permute',
    'RepeatVector',
    'MaxPooling1D',
    'MaxPooling2D',
    'MaxPooling3D',
    'GlobalMaxPooling1D',
    'GlobalMaxPooling2D',
    'ZeroPadding2D',
    'Cropping2D',
    'Concatenate',
    'UpSampling2D',
    'UpSampling3D',
  ],
  { type: 'route' },
);
builtIn(
  [
    'Add',
    'Average',
    'AveragePooling1D',
    'AveragePooling2D',
    'AveragePooling3D',
    'GlobalAveragePooling1D',
    'GlobalAveragePooling2D',
  ],
  { type: 'zRule' },
);
for (const c of LINEAR_CLASSES) {
  REGISTRY.set(c, {
    type: 'linear',
    group: c === 'Dense' ? 'dense' : 'conv',
    linearMap: (l) => linearMapOf('lrp', l, c),
  });
}
REGISTRY.set('SeparableConv2D', { type: 'linear', group: 'conv', linearMap: (l) => separableMapsOf('lrp', l) });
REGISTRY.set('LayerNormalization', { type: 'zRule', linearize: layerNormFrozen });
REGISTRY.set('LSTM', { type: 'custom', relevance: lstmRelevance });
REGISTRY.set('GRU', { type: 'custom', relevance: gruRelevance });
REGISTRY.set('SimpleRNN', { type: 'custom', relevance: simpleRnnRelevance });
REGISTRY.set('FusedLSTM', { type: 'custom', relevance: fusedLstmRelevance });
REGISTRY.set('Bidirectional', {
  type: 'custom',
  relevance: (method, layer, inputs, _y, r, mask) =>
    bidirectionalRelevance(method, layer, inputs, r, mask, (cls) => {
      const rule = REGISTRY.get(cls);
      return rule?.type === 'custom' ? rule.relevance : undefined;
    }),
});

interface LayerNormLike {
  axis: number | number[];
  epsilon: number;
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  scale: boolean;
  center: boolean;
}

/**
 * LayerNormalization with its standard deviation treated as a constant (Ali et al. 2022, "XAI for
 * Transformers"): y = gamma (x - mean(x)) / sd + beta is then linear in x, and the z-rule conserves relevance up
 * to what beta absorbs.
 */
function layerNormFrozen(layer: Layer, [x]: tf.Tensor[]): tf.Tensor {
  const ln = layer as unknown as LayerNormLike;
  const axes = (Array.isArray(ln.axis) ? ln.axis : [ln.axis]).map((a) => (a < 0 ? x.rank + a : a));
  const centred = tf.sub(x, tf.mean(x, axes, true));
  const sd = tf.sqrt(tf.add(tf.mean(tf.square(centred), axes, true), ln.epsilon));
  // The constant 1/sd: a custom gradient of zero keeps it out of the backward pass.
  const frozen = tf.customGrad((t) => ({
    value: tf.div(1, t as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }))(sd);
  let y = tf.mul(centred, frozen);
  if (ln.scale && ln.gamma) y = tf.mul(y, ln.gamma.read());
  if (ln.center && ln.beta) y = tf.add(y, ln.beta.read());
  return y;
}

/**
 * Tells LRP how to pass relevance through a layer class, e.g. a custom layer registered with tfjs's
 * `serialization.registerClass` (zennit's `layer_map` entries, here for the class itself):
 * `registerLrpLayer('Scale', { type: 'linear', group: 'conv', linearMap: (l) => ({ kind: 'conv', kernel, bias,
 * apply }) })`. A `linear` layer gets its rule from the composite by class name or group. Replaces a previous
 * registration of the class (built-in ones too).
 */
export function registerLrpLayer(className: string, rule: LayerRule): void {
  if (typeof className !== 'string' || className.length === 0)
    throw new InputError('registerLrpLayer: className', 'a layer class name', String(className));
  checkOneOf('registerLrpLayer: rule.type', rule?.type, ['passThrough', 'route', 'zRule', 'linear', 'custom']);
  if (rule.type === 'linear' && typeof rule.linearMap !== 'function')
    throw new InputError('registerLrpLayer: rule.linearMap', 'a function (layer) => LinearMap', String(rule.linearMap));
  REGISTRY.set(className, rule);
}

/** The registered rule of a layer class, if any. */
export function layerRuleOf(className: string): LayerRule | undefined {
  return REGISTRY.get(className);
}

/** The layer classes LRP supports, for error messages. */
export function lrpSupported(): string {
  return [...REGISTRY.keys(), 'BatchNormalization', 'Embedding', 'TimeDistributed'].join(', ');
}
