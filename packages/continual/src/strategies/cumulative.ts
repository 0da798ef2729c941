import * as tf from '@tensorflow/tfjs-core';
import { type Batch, cloneBatch, concatBatches, type Plugin } from '../trainer.js';

/**
 * Cumulative training (Avalanche's `Cumulative`): each experience is trained together with the rows of every
 * earlier one (a growing upper bound; memory grows with the stream).
 */
export function cumulative(): Plugin {
  const seen: Batch[] = [];
  return {
    name: 'cumulative',
    adaptExperience: (data) => (seen.length === 0 ? data : concatBatches([...seen, data])),
    afterTraining(data) {
      seen.push(cloneBatch(data));
    },
    dispose() {
      for (const b of seen.splice(0)) tf.dispose([b.x, b.y, b.taskIds]);
    },
  };
}
