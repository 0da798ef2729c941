import * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';
import { forEachBoxRun } from './Slice.js';
import { heapOffset, simdKernels } from './simdKernels.js';
import type { WasmKernelArgs } from './wasmOps.js';

/** Shortest run of the input whose gaps are filled one by one. */
const MIN_RUN = 64;

/**
 * Kernel `PadV2` for 4-byte dtypes: the output filled with the constant, then the input written into its box in
 * runs of the longest contiguous stretch, the runs of the two innermost axes by one strided copy in wasm
 * (`copyRuns`, as the Slice kernel reads them). tfjs-backend-wasm's pads element by element: [2,128,128,16] by one
 * pixel on each side 0.24 ms, and the filter gradient of a U-Net pads its activations and gradients ~28 times a
 * step. Other dtypes keep the built-in.
 */
export function padV2(args: WasmKernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return runOriginal(tf.PadV2, 'wasm', args);
  const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
  const backend = args.backend;
  const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = backend.makeOutput(outShape, x.dtype);
  const values = backend.typedArrayFromHeap(out);
  if (tf.util.sizeFromShape(x.shape) === 0) {
    values.fill(constantValue);
    return out;
  }
  const kernels = simdKernels(backend);
  const oBase = heapOffset(backend, out);
  let from = heapOffset(backend, x);
  // Runs of at least MIN_RUN elements: only the gaps between them are filled (one fill per run; writing the
  // whole output twice costs as much as the copy). Shorter runs (padding the innermost axis): fill it all first.
  let filledTo = 0;
  const before = paddings.map(([b]) => b);
  forEachBoxRun(outShape, before, x.shape, (offset, count, run, stride) => {
    if (filledTo === 0 && run < MIN_RUN) values.fill(constantValue);
    if (run >= MIN_RUN) {
      for (let i = 0; i < count; i++) {
        values.fill(constantValue, filledTo, offset + i * stride);
        filledTo = offset + i * stride + run;
      }
    } else filledTo = values.length;
    kernels.copyRuns(from, oBase + offset * 4, count, run * 4, run * 4, stride * 4);
    from += count * run * 4;
  });
  values.fill(constantValue, filledTo);
  return out;
}
