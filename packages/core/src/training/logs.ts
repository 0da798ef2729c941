import type * as tf from '@tensorflow/tfjs-core';

/** tfjs-layers' callback logs: numbers, or scalar tensors that the fit loop disposes itself. */
export type UnresolvedLogs = Record<string, number | tf.Scalar>;

/**
 * Reads the logs as numbers without changing or disposing them (the fit loop owns the scalars).
 * Keys `batch` and `size` (bookkeeping, not metrics) are dropped.
 */
export async function readLogs(logs: UnresolvedLogs | undefined): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (!logs) return out;
  const keys = Object.keys(logs).filter((k) => k !== 'batch' && k !== 'size');
  const values = await Promise.all(
    keys.map(async (k) => {
      const v = logs[k];
      return typeof v === 'number' ? v : (await v.data())[0];
    }),
  );
  keys.forEach((k, i) => {
    out[k] = values[i];
  });
  return out;
}
