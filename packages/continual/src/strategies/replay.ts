import { checkInt, checkOneOf, checkOptions } from '@tiefe/core';
import { concatBatches, type Plugin } from '../trainer.js';
import { classBalancedBuffer, type ReplayBuffer, readRows, reservoirBuffer, rowsToBatch } from './buffers.js';

/** Options of {@link replay}. */
export interface ReplayOptions {
  /** Rows kept (default 1000). */
  bufferSize?: number;
  /** 'reservoir' (default) or 'classBalanced'. */
  buffer?: 'reservoir' | 'classBalanced';
  /** Stored rows added to every minibatch (default: the trainer's batch size). */
  replaySize?: number;
}

/**
 * Experience replay: after each experience its rows are offered to a buffer; every later minibatch is trained
 * together with `replaySize` rows drawn from the buffer (Avalanche's online replay).
 *
 * @example
 * const plugins = [replay({ bufferSize: 1000, buffer: 'classBalanced' })];
 */
export function replay(options: ReplayOptions = {}): Plugin {
  checkOptions('replay: options', options);
  const size = checkInt('replay: bufferSize', options.bufferSize ?? 1000);
  const kind = checkOneOf('replay: buffer', options.buffer ?? 'reservoir', ['reservoir', 'classBalanced'] as const);
  const replaySize = options.replaySize === undefined ? undefined : checkInt('replay: replaySize', options.replaySize);
  const buffer: ReplayBuffer = kind === 'reservoir' ? reservoirBuffer(size) : classBalancedBuffer(size);
  return replayFrom(buffer, `replay (${kind} ${size})`, replaySize);
}

/** The replay plugin over any buffer (shared by {@link replay} and iCaRL). */
export function replayFrom(buffer: ReplayBuffer, name: string, replaySize?: number): Plugin {
  return {
    name,
    adaptBatch(batch, ctx) {
      if (buffer.rows.length === 0) return batch;
      const k = replaySize ?? ctx.batchSize;
      const picked = Array.from({ length: k }, () => buffer.rows[ctx.rng.int(buffer.rows.length)]);
      const stored = rowsToBatch(picked);
      const out = concatBatches([batch, stored]);
      stored.x.dispose();
      stored.y.dispose();
      stored.taskIds.dispose();
      return out;
    },
    async afterTraining(data, ctx) {
      const rows = await readRows(data);
      buffer.add(ctx.rng.shuffle(rows) as typeof rows, ctx.rng);
    },
  };
}
