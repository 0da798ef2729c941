import type * as tf from '@tensorflow/tfjs-core';
import { runOriginal } from '../original.js';

/**
 * Binary element-wise kernels of tfjs-backend-webgpu 4.22 take a shared-memory path when one operand has rank
 * <= 1 (fewer than 128 elements) and the other rank > 1; for an operand of rank >= 5 that path generates WGSL
 * that does not compile (`cannot index type 'vec5'`) and the op silently returns garbage, e.g.
 * `tf.prelu(volume, alpha1d)` or `tf.mul(volume, classWeights1d)`. Viewing the rank-1 operand as `[1, n]`
 * (the same buffer, the same broadcast result) takes tfjs' ordinary path, which handles any rank.
 */
export const BINARY_KERNELS = [
  'Add',
  'Sub',
  'Multiply',
  'RealDiv',
  'Prelu',
  'Maximum',
  'Minimum',
  'SquaredDifference',
  'Pow',
  'FloorDiv',
  'Mod',
  'Atan2',
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'LogicalAnd',
  'LogicalOr',
] as const;

/** The name of one of {@link BINARY_KERNELS}. */
export type BinaryKernelName = (typeof BINARY_KERNELS)[number];

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The webgpu binary kernel `kernelName`, passing a rank-<=1 operand next to a rank->=5 one as `[1, n]`. */
export function binaryAnyRank(kernelName: BinaryKernelName): tf.KernelFunc {
  return (args: KernelArgs) => {
    const names = Object.keys(args.inputs);
    const [p, q] = names.map((n) => args.inputs[n] as tf.TensorInfo);
    if (
      names.length !== 2 ||
      Math.max(p.shape.length, q.shape.length) < 5 ||
      (p.shape.length > 1 && q.shape.length > 1)
    )
      return runOriginal(kernelName, 'webgpu', args);
    const lift = (t: tf.TensorInfo): tf.TensorInfo =>
      t.shape.length <= 1 ? { dataId: t.dataId, dtype: t.dtype, shape: [1, t.shape.length === 0 ? 1 : t.shape[0]] } : t;
    return runOriginal(kernelName, 'webgpu', { ...args, inputs: { [names[0]]: lift(p), [names[1]]: lift(q) } });
  };
}
