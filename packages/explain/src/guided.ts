import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkOneOf, InputError } from '@tiefe/core';
import { camMap, camNode, type GradCamOptions } from './gradCam.js';
import type { TargetOptions } from './gradients.js';
import type { NonlinearityHook } from './model/plan.js';
import { type Prepared, withPrepared } from './model/prepare.js';

/** ReLU whose backward pass lets only positive gradients through where the input was positive. */
const guidedRelu = tf.customGrad((z, save) => {
  const zz = z as tf.Tensor;
  (save as tf.GradSaveFunc)([zz]); // tensors made here are freed after the forward pass unless saved
  return {
    value: tf.relu(zz),
    gradFunc: (dy: tf.Tensor, [zs]: tf.Tensor[]) => tf.mul(tf.relu(dy), tf.cast(tf.greater(zs, 0), 'float32')),
  };
});

/** Swaps every ReLU of the forward pass for the guided one; other activations keep their gradient. */
const guidedHook: NonlinearityHook = (name, z, fn) => (name === 'relu' ? guidedRelu(z) : fn(z));

function guidedGradient(p: Prepared, x: tf.Tensor): tf.Tensor {
  return p.gradient(x, undefined, { nonlinearity: guidedHook });
}

/**
 * Guided backpropagation (Springenberg et al. 2015): the gradient of the target score with every ReLU's backward
 * pass replaced by R_in = [z > 0] [R_out > 0] R_out, i.e. only positive signals flow back. ReLUs are the ReLU
 * activation of any layer, Activation('relu') and ReLU layers; other activations keep their gradient. Same
 * shape as x.
 */
export async function guidedBackprop(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: TargetOptions = {},
): Promise<tf.Tensor> {
  return withPrepared('guidedBackprop', model, x, options.target, (p) => tf.tidy(() => guidedGradient(p, x)));
}

/**
 * Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation times the upsampled Grad-CAM map (see
 * {@link gradCam}; `variant` and `layer` as there). Same shape as x, an image batch [N, H, W, C].
 */
export async function guidedGradCam(
  model: tfl.LayersModel,
  x: tf.Tensor,
  options: GradCamOptions = {},
): Promise<tf.Tensor> {
  if (x?.rank !== 4) throw new InputError('guidedGradCam: x', 'an image batch [N, H, W, C]', `[${x?.shape}]`);
  const plusPlus =
    checkOneOf('guidedGradCam: variant', options.variant ?? 'gradCam', ['gradCam', 'gradCamPlusPlus']) ===
    'gradCamPlusPlus';
  return withPrepared('guidedGradCam', model, x, options.target, (p) =>
    tf.tidy(() => tf.mul(guidedGradient(p, x), camMap(p, x, camNode(p, options.layer), plusPlus))),
  );
}
