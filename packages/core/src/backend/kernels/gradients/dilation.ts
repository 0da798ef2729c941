/**
 * Gradients of dilated (atrous) convolutions. tfjs 4.22 refuses them ("dilation rates greater than 1 are not
 * yet supported in gradients"), so a DeepLab-style or dilated U-Net could not train. A convolution with
 * dilation d equals a convolution with the zero-stuffed filter of size (k - 1) d + 1 and dilation 1, whose
 * gradients tfjs has on every backend: run those, and read the filter gradient back at the taps (every d-th
 * element). Padding is unchanged because the effective filter size is the same.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A convolution's `pad` attribute. */
export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/** A dilation attribute as [dh, dw]. */
export function pair(v: number | [number, number] | null | undefined): [number, number] {
  // tfjs-layers passes `dilations: null` for depthwise convolutions.
  if (v === undefined || v === null) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/** Inserts d - 1 zeros between the taps of `axis` (0 or 1) of a [kh, kw, ...] filter. */
function zeroStuff(filter: tf.Tensor4D, axis: 0 | 1, d: number): tf.Tensor4D {
  if (d === 1) return filter;
  const shape = filter.shape;
  const k = shape[axis];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  // Rank 4 at most: tfjs-backend-webgpu 4.22's Pad kernel emits invalid WGSL ('vec5') for rank-5 tensors.
  const slots = tf.pad(tf.reshape(filter, [outer, k, 1, inner]), [
    [0, 0],
    [0, 0],
    [0, d - 1],
    [0, 0],
  ]);
  const taps = tf.slice(tf.reshape(slots, [outer, k * d, inner]), [0, 0, 0], [outer, (k - 1) * d + 1, inner]);
  const stuffed = [...shape] as [number, number, number, number];
  stuffed[axis] = (k - 1) * d + 1;
  return tf.reshape(taps, stuffed);
}

/** The dilation-1 filter equivalent to `filter` with dilations [dh, dw]. */
export function dilateFilter(filter: tf.Tensor4D, dilations: [number, number]): tf.Tensor4D {
  return zeroStuff(zeroStuff(filter, 0, dilations[0]), 1, dilations[1]);
}

/** Reads a gradient w.r.t. the zero-stuffed filter back at the real taps (at dilation 1: the gradient itself). */
export function atTaps(grad: tf.Tensor4D, dilations: [number, number]): tf.Tensor4D {
  // No strided copy for the common undilated case: one kernel less per convolution per training step.
  if (dilations[0] === 1 && dilations[1] === 1) return grad;
  const [h, w, c, m] = grad.shape;
  return tf.stridedSlice(grad, [0, 0, 0, 0], [h, w, c, m], [dilations[0], dilations[1], 1, 1]) as tf.Tensor4D;
}

/** The attributes of Conv2D and DepthwiseConv2dNative that their gradients read. */
export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number] | null;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Runs kernel `kernel` through the engine (so that it is recorded on the tape for higher derivatives). */
export function run(kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor4D {
  return tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
