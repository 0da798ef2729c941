/** Pieces shared by the GAN and pix2pix trainers: losses on logits, the gradient penalty, two-network checkpoints. */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError, loadCheckpoint, saveCheckpoint } from '@tiefe/core';

/** Mean sigmoid cross-entropy of logits against a constant target t: `mean(softplus(l) - t l)`. */
export function sigmoidCrossEntropy(logits: tf.Tensor, target: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sub(tf.softplus(logits), tf.mul(target, logits))) as tf.Scalar);
}

/**
 * WGAN-GP's gradient penalty (Gulrajani et al. 2017): `mean((||grad_x critic(x_hat)||_2 - 1)^2)` at random
 * points `x_hat = eps * real + (1 - eps) * fake` (one `eps ~ U(0, 1)` per example; pass `eps` `[n]` to fix them).
 * Differentiable with respect to the critic's weights (a gradient of a gradient), so it goes into the critic's loss.
 *
 * @example
 * const gp = gradientPenalty((x) => critic.apply(x) as tf.Tensor, real, fake);
 */
export function gradientPenalty(
  critic: (x: tf.Tensor) => tf.Tensor,
  real: tf.Tensor,
  fake: tf.Tensor,
  eps?: tf.Tensor,
): tf.Scalar {
  if (real.shape.join() !== fake.shape.join())
    throw new InputError('gradientPenalty: fake', `the shape of real [${real.shape}]`, `[${fake.shape}]`);
  return tf.tidy(() => {
    const n = real.shape[0];
    const e = tf.reshape(eps ?? tf.randomUniform([n]), [n, ...real.shape.slice(1).map(() => 1)]);
    const xHat = tf.add(tf.mul(e, real), tf.mul(tf.sub(1, e), fake));
    const g = tf.grad((x: tf.Tensor) => tf.sum(critic(x)))(xHat);
    // sqrt(sum + 1e-12): the norm's gradient stays finite where the input gradient is 0
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(g, [n, -1])), 1), 1e-12));
    return tf.mean(tf.square(tf.sub(norm, 1))) as tf.Scalar;
  });
}

/** What {@link saveAdversarialCheckpoint} stores and {@link loadAdversarialCheckpoint} returns. */
export interface AdversarialState {
  /** The generator network. */
  generator: tfl.LayersModel;
  /** The discriminator (critic) network. */
  discriminator: tfl.LayersModel;
  /** The generator's optimizer (with its state). */
  generatorOptimizer: tf.Optimizer;
  /** The discriminator's optimizer (with its state). */
  discriminatorOptimizer: tf.Optimizer;
  /** Training steps done. */
  step: number;
}

/**
 * Saves both networks and both optimizers (with their state) into `dir/generator` and `dir/discriminator`, each
 * with core's atomic `saveCheckpoint` (Node only).
 */
export async function saveAdversarialCheckpoint(dir: string, state: AdversarialState): Promise<void> {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new InputError('saveAdversarialCheckpoint: dir', 'a folder path', String(dir));
  await saveCheckpoint(`${dir}/generator`, {
    model: state.generator,
    optimizer: state.generatorOptimizer,
    epoch: state.step,
  });
  await saveCheckpoint(`${dir}/discriminator`, {
    model: state.discriminator,
    optimizer: state.discriminatorOptimizer,
    epoch: state.step,
  });
}

/** Loads what {@link saveAdversarialCheckpoint} wrote: networks, optimizers with their state, and the step. */
export async function loadAdversarialCheckpoint(dir: string): Promise<AdversarialState> {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new InputError('loadAdversarialCheckpoint: dir', 'a folder path', String(dir));
  const g = await loadCheckpoint(`${dir}/generator`);
  const d = await loadCheckpoint(`${dir}/discriminator`);
  if (!g.optimizer || !d.optimizer)
    throw new InputError('loadAdversarialCheckpoint: dir', 'a checkpoint with both optimizers', dir);
  return {
    generator: g.model,
    discriminator: d.model,
    generatorOptimizer: g.optimizer,
    discriminatorOptimizer: d.optimizer,
    step: g.epoch,
  };
}
