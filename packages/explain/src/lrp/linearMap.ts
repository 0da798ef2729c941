import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedLayerError } from '../errors.js';
import type { Layer } from '../model/graph.js';

/**
 * A layer's linear part z = W x + b as a function of (x, W, b), so that LRP rules can evaluate it with modified
 * inputs and weights (zennit's "modifiers"). `kernel` is the layer's own weight tensor (or the weight tensor
 * with a following BatchNormalization folded in).
 */
export interface LinearMap {
  /**
   * 'dense' (Dense), 'conv' (Conv1D/2D/3D, DepthwiseConv2D, transposed convolutions, either half of a
   * SeparableConv2D) or 'affine' (a BatchNormalization on its own).
   */
  kind: 'dense' | 'conv' | 'affine';
  kernel: tf.Tensor;
  bias: tf.Tensor | null;
  /** True for DepthwiseConv2D, whose kernel [h, w, in, multiplier] has its output channels in two axes. */
  depthwise?: boolean;
  /** z = W x + b with the given weights; `bias` null means no bias. */
  apply(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor;
}

/** The linear layer classes LRP understands. */
export const LINEAR_CLASSES = [
  'Dense',
  'Conv1D',
  'Conv2D',
  'Conv3D',
  'DepthwiseConv2D',
  'Conv2DTranspose',
  'Conv3DTranspose',
] as const;

interface ConvLike {
  kernel?: { read(): tf.Tensor };
  depthwiseKernel?: { read(): tf.Tensor };
  pointwiseKernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  useBias?: boolean;
  strides: number[] | number;
  padding: 'valid' | 'same' | 'causal';
  dilationRate: number[] | number;
  dataFormat?: string;
}

const arr = (v: number[] | number, n: number): number[] => (Array.isArray(v) ? v : new Array(n).fill(v));

/** A convolution with a layer's settings: `conv(x, kernel, strides, padding, dilations)`. */
type ConvOp = (
  x: tf.Tensor,
  kernel: tf.Tensor,
  strides: number[],
  pad: ConvLike['padding'],
  dilations: number[],
) => tf.Tensor;

/** A 2-D op (conv2d, depthwiseConv2d: the same arguments) as an entry of {@link CONV_OPS}. */
function imageConv(op: typeof tf.conv2d | typeof tf.depthwiseConv2d): ConvOp {
  return (x, k, s, pad, d) =>
    op(
      x as tf.Tensor4D,
      k as tf.Tensor4D,
      s as [number, number],
      pad as 'valid' | 'same',
      'NHWC',
      d as [number, number],
    );
}

/**
 * The tfjs op of each convolution layer class, channels last, with the layer's settings. Causal padding (Conv1D
 * only) is left zero padding of (k - 1) d steps, then a valid convolution.
 */
const CONV_OPS: Record<string, ConvOp> = {
  Conv1D: (x, k, [s], pad, [d]) => {
    if (pad !== 'causal') return tf.conv1d(x as tf.Tensor3D, k as tf.Tensor3D, s, pad, 'NWC', d);
    const padded = tf.pad(x as tf.Tensor3D, [
      [0, 0],
      [(k.shape[0] - 1) * d, 0],
      [0, 0],
    ]);
    return tf.conv1d(padded, k as tf.Tensor3D, s, 'valid', 'NWC', d);
  },
  Conv2D: imageConv(tf.conv2d),
  Conv3D: (x, k, s, pad, d) =>
    tf.conv3d(
      x as tf.Tensor5D,
      k as tf.Tensor5D,
      s as [number, number, number],
      pad as 'valid' | 'same',
      'NDHWC',
      d as [number, number, number],
    ),
  DepthwiseConv2D: imageConv(tf.depthwiseConv2d),
};

const addBias = (z: tf.Tensor, b: tf.Tensor | null) => (b ? tf.add(z, b) : z);

/**
 * Builds the {@link LinearMap} of a Dense or convolution layer (weights read, not copied); `method` is the
 * explanation method, named by the {@link UnsupportedLayerError} for a layer it cannot map.
 */
export function linearMapOf(method: string, layer: Layer, className: string): LinearMap {
  const l = layer as unknown as ConvLike;
  const bias = l.bias && (l.useBias ?? true) ? l.bias.read() : null;
  if (l.dataFormat && l.dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(method, layer.name, className, 'only dataFormat channelsLast is supported');
  }
  switch (className) {
    case 'Dense':
      return {
        kind: 'dense',
        kernel: l.kernel!.read(),
        bias,
        apply: (x, k, b) => {
          const [nin, nout] = k.shape;
          const z =
            x.rank === 2
              ? tf.matMul(x as tf.Tensor2D, k as tf.Tensor2D)
              : tf.reshape(tf.matMul(tf.reshape(x, [-1, nin]), k as tf.Tensor2D), [...x.shape.slice(0, -1), nout]);
          return addBias(z, b);
        },
      };
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D':
    case 'DepthwiseConv2D': {
      const depthwise = className === 'DepthwiseConv2D';
      const kernel = (depthwise ? l.depthwiseKernel : l.kernel)!.read();
      const rank = kernel.rank - 2; // spatial axes: the kernel is [...spatial, in, out (or multiplier)]
      const s = arr(l.strides, rank);
      const d = arr(l.dilationRate, rank);
      const conv = CONV_OPS[className];
      return {
        kind: 'conv',
        ...(depthwise ? { depthwise: true } : {}),
        kernel,
        bias,
        apply: (x, k, b) => addBias(conv(x, k, s, l.padding, d), b),
      };
    }
    case 'Conv2DTranspose': {
      // A transposed convolution is the adjoint of a convolution, a linear map like any other; its kernel is
      // [h, w, out, in] and the output size follows tfjs-layers' deconvLength.
      const kernel = l.kernel!.read();
      const [kh, kw, cout] = kernel.shape;
      const [sh, sw] = arr(l.strides, 2);
      const pad = l.padding as 'valid' | 'same';
      const len = (n: number, s: number, k: number) => (pad === 'same' ? n * s : n * s + Math.max(k - s, 0));
      return {
        kind: 'conv',
        kernel,
        bias,
        apply: (x, k, b) => {
          const [n, h, w] = x.shape;
          const out: [number, number, number, number] = [n, len(h, sh, kh), len(w, sw, kw), cout];
          return addBias(tf.conv2dTranspose(x as tf.Tensor4D, k as tf.Tensor4D, out, [sh, sw], pad), b);
        },
      };
    }
    case 'Conv3DTranspose': {
      const kernel = l.kernel!.read(); // [d, h, w, out, in]
      const [kd, kh, kw, cout] = kernel.shape;
      const st = arr(l.strides, 3);
      const pad = l.padding as 'valid' | 'same';
      const len = (n: number, s: number, k: number) => (pad === 'same' ? n * s : n * s + Math.max(k - s, 0));
      return {
        kind: 'conv',
        kernel,
        bias,
        apply: (x, k, b) => {
          const [n, d, h, w] = x.shape;
          const out: [number, number, number, number, number] = [
            n,
            len(d, st[0], kd),
            len(h, st[1], kh),
            len(w, st[2], kw),
            cout,
          ];
          const s3 = st as [number, number, number];
          return addBias(tf.conv3dTranspose(x as tf.Tensor5D, k as tf.Tensor5D, out, s3, pad), b);
        },
      };
    }
    default:
      throw new UnsupportedLayerError(
        method,
        layer.name,
        className,
        `not a linear layer (${LINEAR_CLASSES.join(', ')})`,
      );
  }
}

/**
 * A SeparableConv2D as the two linear maps it is made of (tfjs's separableConv2d): the depthwise convolution
 * with the layer's strides, padding and dilation (no bias), then the 1 x 1 pointwise convolution with the
 * layer's bias. LRP gives each map its rule, pointwise first.
 */
export function separableMapsOf(method: string, layer: Layer): LinearMap[] {
  const l = layer as unknown as ConvLike;
  if (l.dataFormat && l.dataFormat !== 'channelsLast') {
    throw new UnsupportedLayerError(method, layer.name, 'SeparableConv2D', 'only dataFormat channelsLast is supported');
  }
  const s = arr(l.strides, 2);
  const d = arr(l.dilationRate, 2);
  const depthwise = CONV_OPS.DepthwiseConv2D;
  const pointwise = CONV_OPS.Conv2D;
  return [
    {
      kind: 'conv',
      depthwise: true,
      kernel: l.depthwiseKernel!.read(),
      bias: null,
      apply: (x, k, b) => addBias(depthwise(x, k, s, l.padding, d), b),
    },
    {
      kind: 'conv',
      kernel: l.pointwiseKernel!.read(),
      bias: l.bias && (l.useBias ?? true) ? l.bias.read() : null,
      apply: (x, k, b) => addBias(pointwise(x, k, [1, 1], 'valid', [1, 1]), b),
    },
  ];
}

interface BatchNormLike {
  gamma?: { read(): tf.Tensor } | null;
  beta?: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor };
  movingVariance: { read(): tf.Tensor };
  epsilon: number;
  axis: number;
  scale: boolean;
  center: boolean;
}

/** Is `layer` a BatchNormalization over the last axis (the only kind LRP folds or handles)? */
export function isLastAxisBatchNorm(layer: Layer, rank: number): boolean {
  const bn = layer as unknown as BatchNormLike;
  return bn.axis === -1 || bn.axis === rank - 1;
}

/**
 * The BatchNormalization in inference mode as y = a x + c per channel:
 * a = gamma / sqrt(movingVariance + epsilon), c = beta - movingMean a.
 */
export function batchNormAffine(layer: Layer): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
  const bn = layer as unknown as BatchNormLike;
  const mean = bn.movingMean.read() as tf.Tensor1D;
  const a = tf.div(
    bn.scale && bn.gamma ? bn.gamma.read() : tf.onesLike(mean),
    tf.sqrt(tf.add(bn.movingVariance.read(), bn.epsilon)),
  ) as tf.Tensor1D;
  const beta = bn.center && bn.beta ? bn.beta.read() : tf.zerosLike(mean);
  return { scale: a, shift: tf.sub(beta, tf.mul(mean, a)) as tf.Tensor1D };
}

/** The BatchNormalization as an elementwise {@link LinearMap} (used when it follows no linear layer). */
export function affineMapOf(layer: Layer): LinearMap {
  const { scale, shift } = batchNormAffine(layer);
  return {
    kind: 'affine',
    kernel: scale,
    bias: shift,
    apply: (x, k, b) => (b ? tf.add(tf.mul(x, k), b) : tf.mul(x, k)),
  };
}

/**
 * Folds a BatchNormalization that follows `map` into it: W' = W a (per output channel, the last axis of every
 * kernel here), b' = (b - mean) a + beta = b a + c. For DepthwiseConv2D the output channels are in*multiplier,
 * so the kernel is reshaped to fold along them.
 */
export function foldBatchNorm(map: LinearMap, bnLayer: Layer): LinearMap {
  const { scale, shift } = batchNormAffine(bnLayer);
  let kernel: tf.Tensor;
  if (map.depthwise) {
    // depthwise kernel [h, w, in, mult]: output channel c = i * mult + m
    const [h, w, cin, mult] = map.kernel.shape;
    kernel = tf.reshape(tf.mul(tf.reshape(map.kernel, [h, w, cin * mult]), scale), [h, w, cin, mult]);
  } else {
    kernel = tf.mul(map.kernel, scale);
  }
  const bias = map.bias ? tf.add(tf.mul(map.bias, scale), shift) : shift;
  return { ...map, kernel, bias };
}
