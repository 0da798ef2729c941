import * as tf from '@tensorflow/tfjs-core';
import { checkInt, InputError, type Rng } from '@tiefe/core';
import type { Batch } from '../trainer.js';

/** One stored row: its inputs, target and task id (plain numbers, so a buffer holds no tensors). */
export interface StoredRow {
  x: Float32Array;
  y: number;
  taskId: number;
}

/** Reads a batch's rows into plain arrays. */
export async function readRows(b: Batch): Promise<StoredRow[]> {
  const [x, y, t] = await Promise.all([b.x.data() as Promise<Float32Array>, b.y.data(), b.taskIds.data()]);
  const d = b.x.shape[1];
  return Array.from({ length: b.x.shape[0] }, (_, i) => ({ x: x.slice(i * d, (i + 1) * d), y: y[i], taskId: t[i] }));
}

/** Stored rows as a batch (new tensors). */
export function rowsToBatch(rows: StoredRow[]): Batch {
  const d = rows[0].x.length;
  const x = new Float32Array(rows.length * d);
  for (const [i, r] of rows.entries()) x.set(r.x, i * d);
  return {
    x: tf.tensor2d(x, [rows.length, d]),
    y: tf.tensor1d(
      rows.map((r) => r.y),
      'float32',
    ),
    taskIds: tf.tensor1d(
      rows.map((r) => r.taskId),
      'int32',
    ),
  };
}

/** A rehearsal memory: what replay strategies keep from earlier experiences. */
export interface ReplayBuffer {
  /** Maximum rows kept. */
  readonly capacity: number;
  /** The rows kept now. */
  readonly rows: StoredRow[];
  /** Offers the rows of one experience (in the order given) to the buffer. */
  add(rows: StoredRow[], rng: Rng): void;
}

/**
 * Reservoir sampling (Vitter 1985): after n rows were offered, every one of them is in the buffer with the
 * same probability `capacity / n`, whatever experience it came from.
 */
export function reservoirBuffer(capacity: number): ReplayBuffer {
  const cap = checkInt('reservoirBuffer: capacity', capacity);
  const rows: StoredRow[] = [];
  let seen = 0;
  return {
    capacity: cap,
    rows,
    add(offered, rng) {
      for (const r of offered) {
        if (rows.length < cap) rows.push(r);
        else {
          const j = rng.int(seen + 1);
          if (j < cap) rows[j] = r;
        }
        seen++;
      }
    },
  };
}

/** The class key of a row: its task id and target (targets repeat across tasks in task-incremental streams). */
function classKey(r: StoredRow): string {
  return `${r.taskId}:${r.y}`;
}

/**
 * A class-balanced buffer (Avalanche's `ClassBalancedBuffer`): every class seen so far gets an equal share,
 * `floor(capacity / classes)` rows, and within a class every row offered so far is kept with the same
 * probability (a reservoir per class, so a class that comes back in a later experience, as in domain-incremental
 * streams, mixes its old and new rows); older classes give rows up as new ones arrive. A capacity below the
 * number of classes is an error (a class would get no row).
 */
export function classBalancedBuffer(capacity: number): ReplayBuffer {
  const cap = checkInt('classBalancedBuffer: capacity', capacity);
  const byClass = new Map<string, { rows: StoredRow[]; seen: number }>();
  const rows: StoredRow[] = [];
  return {
    capacity: cap,
    rows,
    add(offered, rng) {
      const keys = new Set([...byClass.keys(), ...offered.map(classKey)]);
      if (keys.size > cap)
        throw new InputError(
          'classBalancedBuffer: capacity',
          `at least one row per class (${keys.size} classes seen)`,
          String(cap),
        );
      const share = Math.floor(cap / keys.size);
      // Shrinking a class's reservoir to a random subset keeps it uniform over the rows it has seen.
      for (const c of byClass.values())
        if (c.rows.length > share) c.rows = (rng.shuffle(c.rows) as StoredRow[]).slice(0, share);
      for (const r of offered) {
        const k = classKey(r);
        const c = byClass.get(k) ?? { rows: [], seen: 0 };
        byClass.set(k, c);
        if (c.rows.length < share) c.rows.push(r);
        else {
          const j = rng.int(c.seen + 1);
          if (j < share) c.rows[j] = r;
        }
        c.seen++;
      }
      rows.splice(0, rows.length, ...[...byClass.values()].flatMap((c) => c.rows));
    },
  };
}
