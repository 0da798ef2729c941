import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, runOriginal } from '../original.js';
import { flatProgram, type WebGPUBackendLike } from './program.js';

/** The highest rank {@link tile} runs on the GPU (ranks 5 and 6: volumes and their batch-norm broadcasts). */
const MAX_RANK = 6;

/**
 * Kernel `Tile` for float32 of rank 5 and 6 on webgpu; ranks <= 4 and other dtypes still run tfjs's own. tfjs-backend-webgpu 4.22 tiles a
 * rank-5 tensor on the CPU, reading it back synchronously, which in Node (no OffscreenCanvas) throws: every
 * `broadcastTo` of a volume, e.g. the gradient of a mean over a 3-D U-Net's activations. One thread per output
 * element: out[i] = x[sum_a (c_a mod d_a) * s_a], c the coordinates of i, d and s x's sizes and strides, both
 * shapes padded to rank 6 with leading 1s.
 */
export function tile(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as tf.TileAttrs;
  const rank = x.shape.length;
  if (rank <= 4 || rank > MAX_RANK || x.dtype !== 'float32') return runOriginal(tf.Tile, 'webgpu', args);
  const lead = new Array(MAX_RANK - rank).fill(1);
  const dims = [...lead, ...x.shape];
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const outStrides = tf.util.computeStrides([...lead, ...outShape]);
  const xStrides = [...tf.util.computeStrides(dims), 1];
  const axes = dims.map((_, a) => a);
  const program = flatProgram(
    outShape,
    'tiefeTileRank6',
    ['x'],
    `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var rest = index;
          var source = 0;
          ${axes
            .map((a) =>
              a < MAX_RANK - 1
                ? `let c${a} = rest / uniforms.o${a}; rest = rest - c${a} * uniforms.o${a};
          source = source + (c${a} % uniforms.d${a}) * uniforms.s${a};`
                : `source = source + rest % uniforms.d${a};`,
            )
            .join('\n          ')}
          setOutputAtIndex(index, getX(source));
        }
      }
    `,
    [
      ...axes.slice(0, -1).map((a) => `o${a} : i32,`),
      ...axes.map((a) => `d${a} : i32,`),
      ...axes.slice(0, -1).map((a) => `s${a} : i32,`),
    ].join(' '),
  );
  const size = tf.util.sizeFromShape(x.shape);
  const out = (args.backend as WebGPUBackendLike).runWebGPUProgram(
    program,
    [{ dataId: x.dataId, shape: [size], dtype: x.dtype }],
    x.dtype,
    [...outStrides, ...dims, ...xStrides.slice(0, -1)].map((v) => ({ type: 'int32' as const, data: [v] })),
  );
  return { dataId: out.dataId, shape: outShape, dtype: out.dtype };
}
