import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkOneOf, InputError } from '@tiefe/core';
import type { TargetOptions } from './gradients.js';
import { stepForward } from './model/plan.js';
import { type Prepared, withPrepared } from './model/prepare.js';

/** Options of {@link gradCam}. */
export interface GradCamOptions extends TargetOptions {
  /** Name of the layer whose output is weighted (a rank-4 [N, h, w, K] output); default: the last convolution. */
  layer?: string;
  /** 'gradCam' (Selvaraju et al. 2017, default) or 'gradCamPlusPlus' (Chattopadhyay et al. 2018). */
  variant?: 'gradCam' | 'gradCamPlusPlus';
}

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv2DTranspose']);

/** The node whose output Grad-CAM weights: the named layer's last call, or the last convolution. */
export function camNode(p: Prepared, layer: string | undefined): number {
  const { nodes } = p.plan.graph;
  const rank = (id: number) => nodes[id].layer.inboundNodes[0]?.outputTensors[0]?.shape.length;
  let id = -1;
  for (const node of nodes) {
    if (node.id === 0) continue;
    if (layer === undefined ? CONV_CLASSES.has(node.className) && rank(node.id) === 4 : node.layer.name === layer)
      id = node.id;
  }
  if (id < 0) {
    if (layer === undefined)
      throw new InputError(`${p.method}: model`, 'a model with a 2-D convolution (Conv2D, ...)', 'none');
    throw new InputError(`${p.method}: layer`, 'the name of a layer of the model', JSON.stringify(layer));
  }
  if (rank(id) !== 4) {
    throw new InputError(`${p.method}: layer`, 'a layer with a [N, h, w, K] output', `rank ${rank(id)}`);
  }
  return id;
}

/**
 * The class activation map of every input at node `id`, upsampled (bilinear, half-pixel centres) to the input's
 * height and width: [N, H, W, 1]. Inside the caller's tidy.
 */
export function camMap(p: Prepared, x: tf.Tensor, id: number, plusPlus: boolean): tf.Tensor4D {
  const a = runTo(p, x, id) as tf.Tensor4D;
  const g = tf.grad((v: tf.Tensor) => tf.sum(p.score(x, undefined, { replace: { id, value: v } })))(a);
  let w: tf.Tensor;
  if (!plusPlus) w = tf.mean(g, [1, 2], true);
  else {
    // alpha_kij = g^2 / (2 g^2 + sum_ab A_kab g^3) (the exponential-score form of Grad-CAM++); w_k = sum alpha relu(g).
    const g2 = tf.square(g);
    const den = tf.add(tf.mul(g2, 2), tf.mul(tf.sum(a, [1, 2], true), tf.mul(g2, g)));
    const ok = tf.notEqual(den, 0);
    const alpha = tf.where(ok, tf.div(g2, tf.where(ok, den, tf.onesLike(den))), tf.zerosLike(den));
    w = tf.sum(tf.mul(alpha, tf.relu(g)), [1, 2], true);
  }
  const cam = tf.relu(tf.sum(tf.mul(w, a), 3, true)) as tf.Tensor4D;
  const [h, wd] = [x.shape[1] as number, x.shape[2] as number];
  if (cam.shape[1] === h && cam.shape[2] === wd) return cam;
  return tf.image.resizeBilinear(cam, [h, wd], false, true);
}

function runTo(p: Prepared, x: tf.Tensor, id: number): tf.Tensor {
  // Only the nodes up to `id` are needed, but a full pass is as cheap as the graphs here and keeps one runner.
  const { nodes } = p.plan.graph;
  const values: tf.Tensor[] = new Array(nodes.length);
  for (const node of nodes) {
    if (node.id > id) break;
    values[node.id] = stepForward(p.plan, node.id, node.id === 0 ? [x] : node.inputs.map((i) => values[i]));
  }
  return values[id];
}

/**
 * Grad-CAM (Selvaraju et al. 2017): L = ReLU(sum_k alpha_k A^k), alpha_k = mean_ij d y / d A^k_ij, at a
 * convolutional layer's output A (default the last Conv2D-like layer), upsampled bilinearly to the input.
 * `variant: 'gradCamPlusPlus'` weights with w_k = sum_ij alpha_kij ReLU(d y / d A^k_ij) (Chattopadhyay et al.
 * 2018). y is the target's pre-softmax score. Returns x's shape (the map repeated over x's channels); the input
 * must be an image batch [N, H, W, C].
 */
export async function gradCam(model: tfl.LayersModel, x: tf.Tensor, options: GradCamOptions = {}): Promise<tf.Tensor> {
  const variant = checkOneOf('gradCam: variant', options.variant ?? 'gradCam', ['gradCam', 'gradCamPlusPlus']);
  if (x?.rank !== 4) throw new InputError('gradCam: x', 'an image batch [N, H, W, C]', `[${x?.shape}]`);
  return withPrepared('gradCam', model, x, options.target, (p) =>
    tf.tidy(() => {
      const cam = camMap(p, x, camNode(p, options.layer), variant === 'gradCamPlusPlus');
      return tf.broadcastTo(cam, x.shape);
    }),
  );
}
