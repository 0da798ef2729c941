import * as tf from '@tensorflow/tfjs-core';
import { originalGradient } from '../original.js';

const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The gradient of `FusedBatchNorm`, y = (x - mean) * scale / sqrt(variance + eps) + offset, with each full-size
 * term computed once. With k = scale / sqrt(variance + eps) and the per-channel sums S = sum(dy) and
 * T = sum(dy * (x - mean)) over the broadcast axes:
 * dx = dy * k, dmean = -k S, dvariance = -k T / (2 (variance + eps)), dscale = T / sqrt(variance + eps),
 * doffset = S. That is three full-size element-wise ops and two sums; tfjs-core's gradient takes ten and a
 * Tile, and batch norm runs on every activation of a U-Net or ResNet training step. Statistics of different
 * shapes (not what tf.layers.batchNormalization makes) keep tfjs-core's gradient.
 */
export const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const perChannel = sameShape(mean.shape, variance.shape) && (scale == null || sameShape(scale.shape, mean.shape));
    if (!perChannel) return originalGradient(tf.FusedBatchNorm).gradFunc(dy, saved, attrs);
    const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
    const g = dy as tf.Tensor;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const channelSum = (t: tf.Tensor) => tf.reshape(axes.length ? tf.sum(t, axes) : t, mean.shape);
    const varEps = tf.add(variance, varianceEpsilon);
    const inv = tf.rsqrt(varEps);
    const k = scale == null ? inv : tf.mul(inv, scale);
    const s = channelSum(g);
    const t = channelSum(tf.mul(g, tf.sub(x, mean)));
    return {
      x: () => tf.mul(g, k),
      mean: () => tf.neg(tf.mul(k, s)),
      variance: () => tf.div(tf.mul(k, t), tf.mul(varEps, -2)),
      scale: () => tf.mul(t, inv),
      offset: () => s,
    };
  },
};
