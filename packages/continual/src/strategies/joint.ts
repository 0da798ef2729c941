import * as tf from '@tensorflow/tfjs-core';
import { checkExperience, type Experience } from '../experience.js';
import { concatBatches, type Plugin } from '../trainer.js';

/**
 * Joint training (Avalanche's `JointTraining`, the usual upper bound): on the first `train` call the model
 * learns the rows of every experience of `stream` at once, shuffled together; later calls train nothing. So
 * after the first step of `run` the accuracy matrix already holds the final model.
 *
 * @example
 * new ContinualTrainer({ model, plugins: [joint(scenario.train)] }).run(scenario);
 */
export function joint(stream: Experience[]): Plugin {
  for (const [i, e] of stream.entries()) checkExperience(`joint: stream[${i}]`, e);
  let done = false;
  return {
    name: 'joint',
    adaptExperience() {
      if (done) return null;
      done = true;
      const parts = stream.map((e) => ({
        x: e.x,
        y: e.y,
        taskIds: tf.fill([e.x.shape[0]], e.taskId, 'int32') as tf.Tensor1D,
      }));
      const all = concatBatches(parts);
      tf.dispose(parts.map((p) => p.taskIds));
      return all;
    },
  };
}
