import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { type ConvAttrs, convInfo } from './convBackprop.js';
import { convByPatches, convByRows, convRoute } from './convByPatches.js';
import { helperThreads } from './helperThreads.js';
import { free, transpose, view, type WasmKernelArgs } from './wasmOps.js';
import { convByWinograd, winogradFits } from './winograd.js';

/** Filters (their data) this kernel has seen: a filter seen again is reused, as in inference. */
const seen = new WeakSet<object>();

/**
 * Kernel `FusedConv2D` (tfjs-layers' convolution with bias and activation): a convolution with many output
 * channels next to its output pixels ({@link convRoute}) runs as one matmul of its patch matrix and the filter
 * ({@link convByPatches}, {@link convByRows}) the first time it meets a filter, which in training is every step
 * (an update makes new weights), where tfjs-backend-wasm's repacking of new weights costs more than it saves. A filter met
 * again (inference, several calls with the same weights) goes to tfjs-backend-wasm's XNNPACK convolution, which
 * packs it once and keeps it; so do PReLU and every other shape.
 */
export function fusedConv2D(args: WasmKernelArgs): tf.TensorInfo {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const a = args.attrs as unknown as tf.FusedConv2DAttrs;
  if (a.dataFormat !== 'NHWC' || preluActivationWeights || x.dtype !== 'float32' || filter.dtype !== 'float32') {
    return runOriginal(tf.FusedConv2D, 'wasm', args);
  }
  const { info, g } = convInfo(x.shape, filter.shape, a as unknown as ConvAttrs, false);
  // A bias that is not one value per output channel: the built-in says so.
  const badBias = bias && (bias.shape.length !== 1 || bias.shape[0] !== info.outChannels);
  const route = winogradFits(x.shape, filter.shape, g, info.outShape)
    ? 'winograd'
    : convRoute(info.outShape, helperThreads(args.backend));
  if (badBias || route === 'built-in' || seen.has(filter.dataId)) {
    return runOriginal(tf.FusedConv2D, 'wasm', args);
  }
  seen.add(filter.dataId);
  const epilogue = { bias, activation: a.activation, leakyreluAlpha: a.leakyreluAlpha };
  if (route === 'winograd') {
    return convByWinograd(args.backend, x, filter, info.outShape, { top: g.padTop, left: g.padLeft }, epilogue);
  }
  if (route === 'rows') return convByRows(args.backend, x, filter, g, info.outShape, epilogue);
  const [kh, kw, inC, outC] = filter.shape;
  const rows = transpose(args.backend, view(filter, [kh * kw * inC, outC]), [1, 0]);
  const out = convByPatches(args.backend, x, rows, g, info.outShape, epilogue);
  free(args.backend, rows);
  return out;
}
