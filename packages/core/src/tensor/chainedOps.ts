import * as tf from '@tensorflow/tfjs-core';
// Types only: tfjs-core declares the chained ops on tf.Tensor in these files (the umbrella package imports them).
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';

/** The chained ops that are their function of the same name on `this`: `x.abs()` is `tf.abs(x)`. */
const SAME_NAME = [
  'abs',
  'acos',
  'acosh',
  'add',
  'all',
  'any',
  'argMax',
  'argMin',
  'asin',
  'asinh',
  'atan',
  'atan2',
  'atanh',
  'avgPool',
  'batchNorm',
  'batchToSpaceND',
  'broadcastTo',
  'cast',
  'ceil',
  'clipByValue',
  'conv1d',
  'conv2d',
  'conv2dTranspose',
  'cos',
  'cosh',
  'cumprod',
  'cumsum',
  'depthToSpace',
  'depthwiseConv2d',
  'dilation2d',
  'div',
  'divNoNan',
  'dot',
  'elu',
  'equal',
  'erf',
  'euclideanNorm',
  'exp',
  'expandDims',
  'expm1',
  'fft',
  'floor',
  'floorDiv',
  'gather',
  'greater',
  'greaterEqual',
  'ifft',
  'irfft',
  'isFinite',
  'isInf',
  'isNaN',
  'leakyRelu',
  'less',
  'lessEqual',
  'localResponseNormalization',
  'log',
  'log1p',
  'logicalAnd',
  'logicalNot',
  'logicalOr',
  'logicalXor',
  'logSigmoid',
  'logSoftmax',
  'logSumExp',
  'matMul',
  'max',
  'maximum',
  'maxPool',
  'mean',
  'min',
  'minimum',
  'mirrorPad',
  'mod',
  'mul',
  'neg',
  'norm',
  'notEqual',
  'oneHot',
  'onesLike',
  'pad',
  'pool',
  'pow',
  'prelu',
  'prod',
  'reciprocal',
  'relu',
  'relu6',
  'reshape',
  'reverse',
  'rfft',
  'round',
  'rsqrt',
  'selu',
  'separableConv2d',
  'sigmoid',
  'sign',
  'sin',
  'sinh',
  'slice',
  'softmax',
  'softplus',
  'spaceToBatchND',
  'split',
  'sqrt',
  'square',
  'squaredDifference',
  'squeeze',
  'step',
  'stridedSlice',
  'sub',
  'sum',
  'tan',
  'tanh',
  'tile',
  'topk',
  'transpose',
  'unique',
  'unsortedSegmentSum',
  'unstack',
  'zerosLike',
] as const satisfies ReadonlyArray<keyof typeof tf & keyof tf.Tensor>;

type Shape2D = [number, number];
type Images = tf.Tensor3D | tf.Tensor4D;
const cast = (dtype: tf.DataType) =>
  function (this: tf.Tensor) {
    return tf.cast(this, dtype);
  };
const flat = function (this: tf.Tensor) {
  return tf.reshape(this, [this.size]);
};
const toShape = function (this: tf.Tensor, ...shape: number[]) {
  return tf.reshape(this, shape);
};

/** The chained ops whose function has another name, another argument order or another home (`tf.image`). */
const OTHERS = {
  as1D: flat,
  as2D: toShape,
  as3D: toShape,
  as4D: toShape,
  as5D: toShape,
  asScalar(this: tf.Tensor) {
    tf.util.assert(this.size === 1, () => 'The array must have only 1 element.');
    return tf.reshape(this, []);
  },
  asType(this: tf.Tensor, dtype: tf.DataType) {
    return tf.cast(this, dtype);
  },
  concat(this: tf.Tensor, x: tf.Tensor | tf.Tensor[], axis?: number) {
    return tf.concat([this, ...(x instanceof tf.Tensor ? [x] : x)], axis);
  },
  flatten: flat,
  reshapeAs(this: tf.Tensor, x: tf.Tensor) {
    return tf.reshape(this, x.shape);
  },
  resizeBilinear(this: tf.Tensor, size: Shape2D, alignCorners?: boolean, halfPixelCenters?: boolean) {
    return tf.image.resizeBilinear(this as Images, size, alignCorners, halfPixelCenters);
  },
  resizeNearestNeighbor(this: tf.Tensor, size: Shape2D, alignCorners?: boolean, halfPixelCenters?: boolean) {
    return tf.image.resizeNearestNeighbor(this as Images, size, alignCorners, halfPixelCenters);
  },
  stack(this: tf.Tensor, x: tf.Tensor | tf.Tensor[], axis?: number) {
    return tf.stack(x instanceof tf.Tensor ? [this, x] : [this, ...x], axis);
  },
  toBool: cast('bool'),
  toFloat: cast('float32'),
  toInt: cast('int32'),
  where(this: tf.Tensor, condition: tf.Tensor, x: tf.Tensor) {
    return tf.where(condition, this, x);
  },
} satisfies Partial<Record<keyof tf.Tensor, (this: never, ...args: never[]) => unknown>>;

/**
 * Adds the chained ops (`x.square()`, `x.flatten()`, `x.resizeBilinear([8, 8])`, ...) to tf.Tensor, as the
 * umbrella @tensorflow/tfjs package does; tfjs-core's bundles lack them. tfjs-layers calls some itself (LSTM's
 * orthogonal initializer), so without them such layers fail with "x.flatten is not a function". Each method
 * throws on a disposed tensor, as tfjs's own. Ops already present (the umbrella package loaded too) are kept.
 * Idempotent; importing @tiefe/core calls it.
 */
export function registerChainedOps(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  const ops = tf as unknown as Record<string, (x: tf.Tensor, ...args: unknown[]) => unknown>;
  const methods: Record<string, (this: tf.Tensor, ...args: never[]) => unknown> = { ...OTHERS };
  for (const name of SAME_NAME) {
    const op = ops[name];
    methods[name] = function (this: tf.Tensor, ...args: unknown[]) {
      return op(this, ...args);
    };
  }
  for (const [name, method] of Object.entries(methods)) {
    if (typeof proto[name] === 'function') continue;
    proto[name] = function (this: tf.Tensor, ...args: never[]) {
      this.throwIfDisposed();
      return method.apply(this, args);
    };
  }
}
