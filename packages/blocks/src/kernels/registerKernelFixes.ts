import * as tf from '@tensorflow/tfjs-core';
import { avoidSharedRank5, BINARY_KERNELS } from './binaryRank5.js';
import { resizeNearestNeighborGradCpu } from './resizeNearestNeighborGradCpu.js';
import { selectAnyRank } from './select.js';

const MARK = Symbol.for('tiefe.blocks.kernelFix');
type KernelArgs = Parameters<tf.KernelFunc>[0];

function marked(kernel: tf.KernelConfig | undefined): boolean {
  return Boolean(kernel && (kernel.kernelFunc as unknown as Record<symbol, boolean>)[MARK]);
}

function replace(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  (kernelFunc as unknown as Record<symbol, boolean>)[MARK] = true;
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc });
}

/** Which backends' fixes are in place after {@link registerKernelFixes}. */
export interface KernelFixes {
  /** The webgpu `Select` kernel for rank > 4 (false while the webgpu backend is not loaded). */
  webgpu: boolean;
  /** The cpu `ResizeNearestNeighborGrad` fix (false while the cpu backend is not loaded). */
  cpu: boolean;
}

/**
 * Registers Tiefe's kernels where tfjs 4.22 lacks or gets wrong one that the blocks' models train with:
 * - webgpu `Select` for rank > 4 (a WGSL kernel): tfjs-backend-webgpu throws "Where for rank 5 is not yet
 *   supported", which is the gradient of PReLU / LeakyReLU on volumes (V-Net); ranks <= 4 still run tfjs' own;
 * - webgpu binary element-wise kernels (Add, Multiply, Prelu, ...) with a rank->=5 and a rank-<=1 operand,
 *   whose shared-memory WGSL does not compile there (the op returned garbage): see `avoidSharedRank5`;
 * - cpu `ResizeNearestNeighborGrad` (the gradient of `UpSampling2D`), wrong in tfjs-backend-cpu for batches > 1.
 *
 * The block and model builders call this themselves, so models built after `initBackend()` need nothing; call
 * it yourself when a backend is loaded after the model was built. Idempotent and cheap once done.
 */
export function registerKernelFixes(): KernelFixes {
  const select = tf.getKernel('Select', 'webgpu');
  if (select && !marked(select)) {
    const original = select.kernelFunc;
    replace('Select', 'webgpu', (args: KernelArgs) =>
      (args.inputs.t as tf.TensorInfo).shape.length > 4 ? selectAnyRank(args) : original(args),
    );
  }
  for (const name of BINARY_KERNELS) {
    const k = tf.getKernel(name, 'webgpu');
    if (k && !marked(k)) replace(name, 'webgpu', avoidSharedRank5(k.kernelFunc));
  }
  const resize = tf.getKernel('ResizeNearestNeighborGrad', 'cpu');
  if (resize && !marked(resize))
    replace('ResizeNearestNeighborGrad', 'cpu', resizeNearestNeighborGradCpu as tf.KernelFunc);
  return {
    webgpu: marked(tf.getKernel('Select', 'webgpu')),
    cpu: marked(tf.getKernel('ResizeNearestNeighborGrad', 'cpu')),
  };
}
