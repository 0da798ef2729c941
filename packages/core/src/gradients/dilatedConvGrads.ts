/**
 * Gradients of dilated (atrous) convolutions. tfjs 4.22 refuses them ("dilation rates greater than 1 are not
 * yet supported in gradients"), so a DeepLab-style or dilated U-Net could not train. A convolution with
 * dilation d equals a convolution with the zero-stuffed filter of size (k - 1) d + 1 and dilation 1, whose
 * gradients tfjs has on every backend: run those, and read the filter gradient back at the taps (every d-th
 * element). Padding is unchanged because the effective filter size is the same.
 */
import * as tf from '@tensorflow/tfjs-core';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function pair(v: number | [number, number] | null | undefined): [number, number] {
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

/** Reads a gradient w.r.t. the zero-stuffed filter back at the real taps. */
function atTaps(grad: tf.Tensor4D, dilations: [number, number]): tf.Tensor4D {
  const [h, w, c, m] = grad.shape;
  return tf.stridedSlice(grad, [0, 0, 0, 0], [h, w, c, m], [dilations[0], dilations[1], 1, 1]) as tf.Tensor4D;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number] | null;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function run(kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor4D {
  return tf.engine().runKernel(kernel, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

const conv2dGrad: tf.GradConfig = {
  kernelName: tf.Conv2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat = 'NHWC', dimRoundingMode, dilations } = attrs as unknown as ConvAttrs;
    const d = pair(dilations);
    const w = dilateFilter(filter, d);
    const common = { strides, pad, dataFormat, dimRoundingMode };
    return {
      x: () => run(tf.Conv2DBackpropInput, { dy: dy as tf.Tensor, filter: w }, { ...common, inputShape: x.shape }),
      filter: () =>
        atTaps(run(tf.Conv2DBackpropFilter, { x, dy: dy as tf.Tensor }, { ...common, filterShape: w.shape }), d),
    };
  },
};

const depthwiseConv2dGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNative,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dimRoundingMode, dilations } = attrs as unknown as ConvAttrs;
    const d = pair(dilations);
    const w = dilateFilter(filter, d);
    const common = { strides, pad, dimRoundingMode, dilations: [1, 1] };
    return {
      x: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: dy as tf.Tensor, filter: w },
          { ...common, inputShape: x.shape },
        ),
      filter: () =>
        atTaps(
          run(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy: dy as tf.Tensor }, { ...common, filterShape: w.shape }),
          d,
        ),
    };
  },
};

let registered = false;

/**
 * Registers gradients for dilated `conv2d` and `depthwiseConv2d` (replacing tfjs's, which throw for
 * dilation > 1 and are otherwise the same). Idempotent; `initBackend` calls it.
 */
export function registerDilatedConvGradients(): void {
  if (registered) return;
  registered = true;
  // tfjs warns when a gradient is overridden; the override is deliberate, so keep that warning out of logs.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Overriding the gradient')) warn(...args);
  };
  try {
    tf.registerGradient(conv2dGrad);
    tf.registerGradient(depthwiseConv2dGrad);
  } finally {
    console.warn = warn;
  }
}
