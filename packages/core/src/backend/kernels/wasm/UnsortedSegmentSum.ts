import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelArgs } from './wasmOps.js';

/**
 * Kernel `UnsortedSegmentSum` (the gradient of `tf.gather`, so of Embedding layers):
 * out[s, ...] = sum over i with segmentIds[i] = s of x[i, ...]; ids outside [0, numSegments) are ignored, as on cpu.
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { x, segmentIds } = inputs;
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const inner = tf.util.sizeFromShape(x.shape.slice(segmentIds.shape.length));
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const ov = backend.typedArrayFromHeap(out);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  ov.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const to = s * inner;
    const from = i * inner;
    for (let k = 0; k < inner; k++) ov[to + k] += xv[from + k];
  }
  return out;
}
