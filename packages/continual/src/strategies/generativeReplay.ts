import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOptions, checkShape } from '@tiefe/core';
import { type Vae, vae } from '@tiefe/generative';
import { type Batch, concatBatches, type Plugin, type TrainContext } from '../trainer.js';
import { cloneModel } from './util.js';

/** Options of {@link generativeReplay}. */
export interface GenerativeReplayOptions {
  /** Latent size of the VAE (default 32). */
  latentDim?: number;
  /** Hidden widths of the VAE's dense encoder (mirrored in the decoder; default [400, 400]). */
  hidden?: number[];
  /** VAE epochs after each experience (default 5). */
  epochs?: number;
  /** Minibatch size of the VAE's training (default 128). */
  batchSize?: number;
  /** Generated rows added to every minibatch (default: the trainer's batch size). */
  replaySize?: number;
}

/**
 * Generative replay (Shin 2017; van de Ven's "DGR"): a VAE from `@tiefe/generative` learns the inputs of every
 * experience (the new rows plus as many of its own samples, so it keeps the old ones); while a later experience
 * trains, each minibatch gets generated rows labelled by a frozen copy of the model from before it (for a
 * multi-head model, on a random earlier task's head). Inputs must be in [0, 1] (Bernoulli likelihood).
 */
export function generativeReplay(options: GenerativeReplayOptions = {}): Plugin {
  checkOptions('generativeReplay: options', options);
  const latentDim = checkInt('generativeReplay: latentDim', options.latentDim ?? 32);
  const hidden = checkShape('generativeReplay: hidden', options.hidden ?? [400, 400]);
  const epochs = checkInt('generativeReplay: epochs', options.epochs ?? 5);
  const batchSize = checkInt('generativeReplay: batchSize', options.batchSize ?? 128);
  const replaySize =
    options.replaySize === undefined ? undefined : checkInt('generativeReplay: replaySize', options.replaySize);
  let generator: Vae | undefined;
  let old: tfl.LayersModel | undefined;
  const seenTasks: number[] = [];
  const generate = (n: number, ctx: TrainContext, frozen: tfl.LayersModel): Batch =>
    tf.tidy(() => {
      const x = tf.reshape((generator as Vae).sample(n), [n, -1]) as tf.Tensor2D;
      const taskIds = tf.tensor1d(
        Array.from({ length: n }, () => seenTasks[ctx.rng.int(seenTasks.length)]),
        'int32',
      );
      const y = tf.cast(tf.argMax(ctx.logits(x, taskIds, frozen), 1), 'float32') as tf.Tensor1D;
      return { x, y, taskIds };
    });
  return {
    name: 'generative replay',
    async beforeTraining(ctx) {
      old?.dispose();
      old = ctx.trained > 0 ? await cloneModel(ctx.model) : undefined;
    },
    adaptBatch(batch, ctx) {
      if (!old || !generator) return batch;
      const fake = generate(replaySize ?? ctx.batchSize, ctx, old);
      const out = concatBatches([batch, fake]);
      tf.dispose([fake.x, fake.y, fake.taskIds]);
      return out;
    },
    async afterTraining(data) {
      const features = data.x.shape[1];
      let x = data.x;
      if (generator) {
        const n = data.x.shape[0];
        x = tf.tidy(() => tf.concat([data.x, tf.reshape((generator as Vae).sample(n), [n, features])]) as tf.Tensor2D);
      } else {
        generator = vae({ inputShape: [features], latentDim, hidden });
      }
      try {
        await generator.train(x, { epochs, batchSize });
      } finally {
        if (x !== data.x) x.dispose();
      }
      for (const t of new Set(await data.taskIds.data())) if (!seenTasks.includes(t)) seenTasks.push(t);
    },
    dispose() {
      old?.dispose();
      old = undefined;
      generator?.model.dispose(); // disposes the encoder and decoder it is built from
      generator = undefined;
    },
  };
}
