import * as tf from '@tensorflow/tfjs-core';
import { type KernelArgs, runOriginal } from '../original.js';
import { flatProgram, type WebGPUBackendLike } from './program.js';

/**
 * Kernel `Cast` on webgpu for bool or int32 -> float32. tfjs-backend-webgpu 4.22 "casts" these by relabelling the
 * input's buffer (no encoding loss), but the buffer stays i32 in the backend's tensor map, so later programs that
 * read it by its stored type (Unpack / `tf.unstack`, slices) compile WGSL that writes an i32 into an f32 output,
 * fail ("type mismatch ... setOutputAtIndex") and leave zeros: a masked RNN (its mask is cast bool -> float32 and
 * unstacked per step) gave wrong outputs on webgpu. Here the values are converted into a new f32 buffer; every
 * other cast runs tfjs's own kernel.
 */
export function cast(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const dtype = (args.attrs as { dtype: tf.DataType }).dtype;
  if (dtype !== 'float32' || (x.dtype !== 'bool' && x.dtype !== 'int32')) return runOriginal(tf.Cast, 'webgpu', args);
  const size = x.shape.reduce((a, b) => a * b, 1);
  const program = flatProgram(
    [size],
    'tiefeCastToFloat',
    ['x'],
    `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, f32(getX(index)));
        }
      }
    `,
  );
  const backend = args.backend as WebGPUBackendLike;
  const out = backend.runWebGPUProgram(program, [{ dataId: x.dataId, shape: [size], dtype: x.dtype }], 'float32');
  return { dataId: out.dataId, shape: x.shape, dtype: 'float32' };
}
