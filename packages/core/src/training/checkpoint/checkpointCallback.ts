import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../../errors.js';
import { checkInt, describeValue } from '../../validate.js';
import type { UnresolvedLogs } from '../logs.js';
import { saveCheckpoint } from './saveCheckpoint.js';

/** Options of {@link checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Checkpoint folder, replaced atomically at each save. */
  dir: string;
  /** Save every `every` epochs (and never mid-epoch). Default 1. */
  every?: number;
  /** Extra state to store, computed at save time from the epoch (0-based) and its logs. */
  extra?: (epoch: number, logs: Record<string, number>) => unknown;
}

/**
 * A `fit` callback that saves a checkpoint (see `saveCheckpoint`) every `every` epochs, with `epoch` =
 * epochs completed. Resume after a crash:
 *
 * @example
 * const callbacks = [checkpointCallback({ dir })];
 * if (await hasCheckpoint(dir)) {
 *   const ckpt = await loadCheckpoint(dir);
 *   await ckpt.model.fit(x, y, { epochs: 50, initialEpoch: ckpt.epoch, callbacks });
 * } else {
 *   await model.fit(x, y, { epochs: 50, callbacks });
 * }
 */
export function checkpointCallback(options: CheckpointCallbackOptions): tfl.Callback {
  const { dir, every = 1, extra } = options ?? ({} as CheckpointCallbackOptions);
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InputError('checkpointCallback: dir', 'a folder path', describeValue(dir));
  }
  checkInt('checkpointCallback: every', every);
  class CheckpointCallback extends tfl.Callback {
    override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
      if ((epoch + 1) % every !== 0) return;
      const values: Record<string, number> = {};
      if (extra) {
        for (const [k, v] of Object.entries(logs ?? {})) values[k] = typeof v === 'number' ? v : (await v.data())[0];
      }
      await saveCheckpoint(dir, { model: this.model, epoch: epoch + 1, extra: extra?.(epoch, values) });
    }
  }
  return new CheckpointCallback();
}
