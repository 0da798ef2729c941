import type * as tf from '@tensorflow/tfjs-core';
import type { KernelArgs } from '../original.js';

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/**
 * Kernel `ResizeNearestNeighborGrad` for the cpu backend (the gradient of `UpSampling2D` with nearest interpolation).
 * tfjs-backend-cpu 4.22 reads dy at the *input's* batch offset (`b * H * W * C` instead of `b * Y * X * C`), so
 * every image after the first in a batch got a wrong gradient (found by comparing with webgpu and a plain
 * reference, test `kernels.test.ts`). Here every dy element is added to its nearest source pixel:
 * `dx[b, r(y), c(x), d] += dy[b, y, x, d]` with `r(y) = min(H - 1, floor(y * H_eff / Y_eff))` (`round` with
 * `alignCorners`, where the effective sizes are `size - 1`), the same mapping as tfjs' forward kernel.
 */
export function resizeNearestNeighborGrad(args: KernelArgs): tf.TensorInfo {
  const { images, dy } = args.inputs as { images: tf.TensorInfo; dy: tf.TensorInfo };
  const alignCorners = Boolean((args.attrs as { alignCorners?: boolean } | undefined)?.alignCorners);
  const backend = args.backend as CpuBackendLike;
  const [batch, xH, xW, depth] = images.shape;
  const [, yH, yW] = dy.shape;
  const effX = [alignCorners && yH > 1 ? xH - 1 : xH, alignCorners && yW > 1 ? xW - 1 : xW];
  const effY = [alignCorners && yH > 1 ? yH - 1 : yH, alignCorners && yW > 1 ? yW - 1 : yW];
  const hs = effX[0] / effY[0];
  const ws = effX[1] / effY[1];
  const pick = (f: number) => (alignCorners ? Math.round(f) : Math.floor(f));
  const rows = Array.from({ length: yH }, (_, y) => Math.min(xH - 1, pick(y * hs)));
  const cols = Array.from({ length: yW }, (_, x) => Math.min(xW - 1, pick(x * ws)));
  const dyValues = backend.data.get(dy.dataId).values;
  const out = new Float32Array(batch * xH * xW * depth);
  let i = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < yH; y++) {
      const rowBase = (b * xH + rows[y]) * xW;
      for (let x = 0; x < yW; x++) {
        const o = (rowBase + cols[x]) * depth;
        for (let d = 0; d < depth; d++) out[o + d] += dyValues[i++];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', out);
}
