import * as tf from '@tensorflow/tfjs-core';

// tfjs-backend-webgpu's MatMulProgramType.MatMulPackedProgram (webgpu_util.ts; not exported by the package).
const PACKED = 3;
const FLAG = 'WEBGPU_MATMUL_PROGRAM_TYPE';

/**
 * The per-step matMul of the fused recurrent layers (`h U`, `dz U^T`). On webgpu it runs tfjs's tiled
 * ("packed") matMul program: for these few-workgroup shapes tfjs picks its small-output-tile program instead,
 * which on Mesa's lavapipe took 73 ms for `[64, 512] x [512, 128]` against 2.5 ms packed (the same FLOPs as
 * `[64, 128] x [128, 512]`, 2.9 ms), so the backward pass through time spent most of its time there. The flag
 * is set only around this call and restored, so nothing else changes.
 */
export function stepMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'webgpu') return tf.matMul(a, b);
  const env = tf.env();
  const before = env.get(FLAG);
  env.set(FLAG, PACKED);
  try {
    return tf.matMul(a, b);
  } finally {
    env.set(FLAG, before);
  }
}
