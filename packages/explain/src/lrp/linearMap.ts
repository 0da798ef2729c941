import * as tf from '@tensorflow/tfjs-core';
import type { Layer } from '../graph.js';

/**
 * A layer's linear part z = W x + b as a function of (x, W, b), so that LRP rules can evaluate it with modified
 * inputs and weights (zennit's "modifiers"). `kernel` is the layer's own weight tensor (or the weight tensor
 * with a following BatchNormalization folded in).
 */
export interface LinearMap {
  /** 'dense' (Dense), 'conv' (Conv1D/2D/3D, DepthwiseConv2D) or 'affine' (a BatchNormalization on its own). */
  kind: 'dense' | 'conv' | 'affine';
  kernel: tf.Tensor;
  bias: tf.Tensor | null;
  /** True for DepthwiseConv2D, whose kernel [h, w, in, multiplier] has its output channels in two axes. */
  depthwise?: boolean;
  /** z = W x + b with the given weights; `bias` null means no bias. */
  apply(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | null): tf.Tensor;
}

/** The linear layer classes LRP understands. */
export const LINEAR_CLASSES = ['Dense', 'Conv1D', 'Conv2D', 'Conv3D', 'DepthwiseConv2D'] as const;

interface ConvLike {
  kernel?: { read(): tf.Tensor };
  depthwiseKernel?: { read(): tf.Tensor };
  bias?: { read(): tf.Tensor } | null;
  useBias?: boolean;
  strides: number[] | number;
  padding: 'valid' | 'same' | 'causal';
  dilationRate: number[] | number;
  dataFormat?: string;
}

const arr = (v: number[] | number, n: number): number[] => (Array.isArray(v) ? v : new Array(n).fill(v));

/** Builds the {@link LinearMap} of a Dense or convolution layer (weights read, not copied). */
export function linearMapOf(layer: Layer, className: string): LinearMap {
  const l = layer as unknown as ConvLike;
  const bias = l.bias && (l.useBias ?? true) ? l.bias.read() : null;
  const addBias = (z: tf.Tensor, b: tf.Tensor | null) => (b ? tf.add(z, b) : z);
  if (l.dataFormat && l.dataFormat !== 'channelsLast') {
    throw new Error(`${className} "${layer.name}": only dataFormat channelsLast is supported`);
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
    case 'Conv1D': {
      const stride = arr(l.strides, 1)[0];
      const dil = arr(l.dilationRate, 1)[0];
      return {
        kind: 'conv',
        kernel: l.kernel!.read(),
        bias,
        apply: (x, k, b) => {
          let xx = x as tf.Tensor3D;
          let pad: 'valid' | 'same' = l.padding === 'same' ? 'same' : 'valid';
          if (l.padding === 'causal') {
            xx = tf.pad(xx, [
              [0, 0],
              [(k.shape[0] - 1) * dil, 0],
              [0, 0],
            ]);
            pad = 'valid';
          }
          return addBias(tf.conv1d(xx, k as tf.Tensor3D, stride, pad, 'NWC', dil), b);
        },
      };
    }
    case 'Conv2D': {
      const s = arr(l.strides, 2) as [number, number];
      const d = arr(l.dilationRate, 2) as [number, number];
      const pad = l.padding as 'valid' | 'same';
      return {
        kind: 'conv',
        kernel: l.kernel!.read(),
        bias,
        apply: (x, k, b) => addBias(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, s, pad, 'NHWC', d), b),
      };
    }
    case 'Conv3D': {
      const s = arr(l.strides, 3) as [number, number, number];
      const d = arr(l.dilationRate, 3) as [number, number, number];
      const pad = l.padding as 'valid' | 'same';
      return {
        kind: 'conv',
        kernel: l.kernel!.read(),
        bias,
        apply: (x, k, b) => addBias(tf.conv3d(x as tf.Tensor5D, k as tf.Tensor5D, s, pad, 'NDHWC', d), b),
      };
    }
    case 'DepthwiseConv2D': {
      const s = arr(l.strides, 2) as [number, number];
      const d = arr(l.dilationRate, 2) as [number, number];
      const pad = l.padding as 'valid' | 'same';
      return {
        kind: 'conv',
        depthwise: true,
        kernel: l.depthwiseKernel!.read(),
        bias,
        apply: (x, k, b) => addBias(tf.depthwiseConv2d(x as tf.Tensor4D, k as tf.Tensor4D, s, pad, 'NHWC', d), b),
      };
    }
    default:
      throw new Error(`linearMapOf: ${className} is not a linear layer`);
  }
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
