/** The epoch/batch loop of the autoencoder and VAE trainings, reporting to core's progress bar. */
import type * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOptions, type ProgressBarCallback } from '@tiefe/core';
import { shuffled } from './internal.js';

/** Options every `train` method here takes. */
export interface EpochOptions {
  /** Passes over the data (default 10). */
  epochs?: number;
  /** Examples per step (default 64). */
  batchSize?: number;
  /** Optimizer (default Adam, learning rate 1e-3). The caller owns it (it is not disposed). */
  optimizer?: tf.Optimizer;
  /** Core's `progressBar()` (or any tfjs Callback driven the same way); default none. */
  progress?: ProgressBarCallback | null;
  /** Called after every epoch with the epoch's mean losses. */
  onEpochEnd?: (epoch: number, logs: Record<string, number>) => void;
}

/** Runs `epochs` passes over `n` examples in shuffled batches; `step` returns the batch's losses. */
export async function runEpochs(
  fn: string,
  n: number,
  options: EpochOptions,
  step: (idx: number[], stepIndex: number) => Promise<Record<string, number>>,
): Promise<Record<string, number>[]> {
  checkOptions(`${fn}: options`, options);
  const epochs = checkInt(`${fn}: epochs`, options.epochs ?? 10);
  const batchSize = checkInt(`${fn}: batchSize`, options.batchSize ?? 64);
  const steps = Math.ceil(n / batchSize);
  const bar = options.progress ?? null;
  bar?.setParams({ epochs, steps, samples: n, batchSize });
  await bar?.onTrainBegin();
  const history: Record<string, number>[] = [];
  let global = 0;
  for (let e = 0; e < epochs; e++) {
    await bar?.onEpochBegin(e);
    const order = shuffled(n);
    const sums: Record<string, number> = {};
    for (let b = 0; b < steps; b++) {
      const idx = order.slice(b * batchSize, (b + 1) * batchSize);
      await bar?.onBatchBegin(b);
      const logs = await step(idx, global++);
      for (const [k, v] of Object.entries(logs)) sums[k] = (sums[k] ?? 0) + v;
      await bar?.onBatchEnd(b, { ...logs, batch: b, size: idx.length });
    }
    const mean = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / steps]));
    history.push(mean);
    await bar?.onEpochEnd(e, mean);
    options.onEpochEnd?.(e, mean);
  }
  await bar?.onTrainEnd();
  return history;
}
