import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOptions } from '@tiefe/core';
import type { Plugin } from '../trainer.js';
import { readRows, rowsToBatch, type StoredRow } from './buffers.js';
import { sampleRows } from './util.js';

/**
 * A-GEM's projection (Chaudhry 2019) over a list of gradient tensors treated as one vector: when the gradient g
 * points against the reference gradient r of the memory (`g . r < 0`), it becomes
 * `g - (g . r / r . r) r`, the closest vector with `g . r >= 0`; otherwise it is returned unchanged (copies).
 */
export function projectGradients(g: tf.Tensor[], r: tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    const dot = tf.addN(g.map((t, k) => tf.sum(tf.mul(t, r[k]))));
    const rr = tf.addN(r.map((t) => tf.sum(tf.square(t))));
    // Branch-free, so nothing is read back: the coefficient is 0 when g . r >= 0.
    const coef = tf.div(tf.minimum(dot, 0), tf.maximum(rr, 1e-12));
    return g.map((t, k) => tf.sub(t, tf.mul(coef, r[k])));
  });
}

/** Options of {@link agem}. */
export interface AgemOptions {
  /** Rows stored per experience (default 250). */
  patternsPerExperience?: number;
  /** Memory rows drawn (without replacement) for each reference gradient (default 256). */
  sampleSize?: number;
}

/**
 * Averaged gradient episodic memory (Chaudhry 2019): a random set of rows of every earlier experience is kept;
 * at every step the gradient is projected (see {@link projectGradients}) so that it does not increase the loss
 * on a sample of that memory.
 */
export function agem(options: AgemOptions = {}): Plugin {
  checkOptions('agem: options', options);
  const per = checkInt('agem: patternsPerExperience', options.patternsPerExperience ?? 250);
  const sampleSize = checkInt('agem: sampleSize', options.sampleSize ?? 256);
  const memory: StoredRow[] = [];
  return {
    name: 'agem',
    adaptGradients(grads, _batch, ctx) {
      if (memory.length === 0) return grads;
      const picked = sampleRows(ctx, memory.length, sampleSize).map((i) => memory[i]);
      const ref = rowsToBatch(picked);
      const r = ctx.gradients(ref);
      tf.dispose([ref.x, ref.y, ref.taskIds]);
      const names = ctx.variables.map((v) => v.name).filter((n) => grads[n] && r[n]);
      const projected = projectGradients(
        names.map((n) => grads[n]),
        names.map((n) => r[n]),
      );
      tf.dispose(Object.values(r));
      const out: tf.NamedTensorMap = { ...grads };
      names.forEach((n, k) => {
        out[n] = projected[k];
      });
      return out;
    },
    async afterTraining(data, ctx) {
      const rows = ctx.rng.shuffle(await readRows(data)) as StoredRow[];
      memory.push(...rows.slice(0, per));
    },
  };
}
