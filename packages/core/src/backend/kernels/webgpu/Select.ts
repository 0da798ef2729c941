import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, runOriginal } from '../original.js';
import { flatProgram, type WebGPUBackendLike } from './program.js';

/**
 * Kernel `Select` (`tf.where`) for any rank on webgpu; ranks <= 4 still run tfjs's own. tfjs-backend-webgpu 4.22 throws "Where for rank 5 is not yet
 * supported", which breaks the gradients of PReLU and LeakyReLU on volumes (both use `where`). Element-wise
 * selection does not depend on the shape, so the tensors are viewed as flat arrays: `out[i] = c[i / inner] ? t[i]
 * : e[i]`, where `inner` is 1 when the condition has the full shape and the product of the trailing axes when
 * it has rank 1 (row selection, as `tf.where` allows).
 */
export function select(args: KernelArgs): tf.TensorInfo {
  const { condition, t, e } = args.inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
  if (t.shape.length <= 4) return runOriginal(tf.Select, 'webgpu', args);
  const backend = args.backend as WebGPUBackendLike;
  const size = t.shape.reduce((a, b) => a * b, 1);
  const cSize = condition.shape.reduce((a, b) => a * b, 1);
  const flat = (x: tf.TensorInfo, n: number): tf.TensorInfo => ({ dataId: x.dataId, shape: [n], dtype: x.dtype });
  const program = flatProgram(
    [size],
    'tiefeSelectFlat',
    ['c', 'a', 'b'],
    `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let cVal = getC(index / uniforms.inner);
          if (cVal >= 1.0) {
            setOutputAtIndex(index, getA(index));
          } else {
            setOutputAtIndex(index, getB(index));
          }
        }
      }
    `,
    'inner : i32,',
  );
  const out = backend.runWebGPUProgram(
    program,
    [flat(condition, cSize), flat(t, size), flat(e, size)],
    tf.upcastType(t.dtype, e.dtype),
    [{ type: 'int32', data: [size / cSize] }],
  );
  // Same buffer, the caller's shape (what the backend's own Reshape kernel returns).
  return { dataId: out.dataId, shape: t.shape, dtype: out.dtype };
}
