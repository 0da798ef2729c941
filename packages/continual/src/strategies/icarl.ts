import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { Batch, Plugin, TrainContext } from '../trainer.js';
import { type ReplayBuffer, readRows, rowsToBatch, type StoredRow } from './buffers.js';
import { replayFrom } from './replay.js';

/**
 * iCaRL's herding (Rebuffi 2017): picks `m` of the rows (features `[n, d]`, each L2-normalised) one by one so
 * that the mean of the picked ones stays closest to the class mean. Returns row indices in picking order (a
 * prefix of it is the best smaller set).
 */
export function herding(features: number[][], m: number): number[] {
  const n = features.length;
  const d = features[0]?.length ?? 0;
  const mean = new Float64Array(d);
  for (const f of features) for (let k = 0; k < d; k++) mean[k] += f[k] / n;
  const sum = new Float64Array(d);
  const picked: number[] = [];
  const used = new Uint8Array(n);
  for (let s = 1; s <= Math.min(m, n); s++) {
    let best = -1;
    let bestDist = Infinity;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      let dist = 0;
      for (let k = 0; k < d; k++) {
        const diff = mean[k] - (sum[k] + features[i][k]) / s;
        dist += diff * diff;
      }
      if (dist < bestDist) {
        bestDist = dist;
        best = i;
      }
    }
    used[best] = 1;
    picked.push(best);
    for (let k = 0; k < d; k++) sum[k] += features[best][k];
  }
  return picked;
}

/** The feature extractor of a model: its input to the output layer(s) (the shared trunk of a multi-head model). */
export function featureModel(model: tfl.LayersModel): tfl.LayersModel {
  const head = model.outputs[0].sourceLayer;
  const input = head.input;
  if (Array.isArray(input))
    throw new InputError(
      'icarl: model',
      'output layers with a single input (the features)',
      describeValue(input.length),
    );
  return tfl.model({ inputs: model.inputs, outputs: input });
}

/** L2-normalised features of rows, as plain arrays. */
async function normalisedFeatures(features: tfl.LayersModel, x: tf.Tensor2D): Promise<number[][]> {
  const f = tf.tidy(() => {
    const h = features.predict(x) as tf.Tensor2D;
    return tf.div(h, tf.maximum(tf.norm(h, 2, 1, true), 1e-12));
  });
  const out = (await f.array()) as number[][];
  f.dispose();
  return out;
}

/**
 * Class means of L2-normalised features, each normalised again (iCaRL's prototypes), keyed by
 * `taskId:target`.
 */
export async function classMeans(features: tfl.LayersModel, rows: StoredRow[]): Promise<Map<string, number[]>> {
  const means = new Map<string, number[]>();
  if (rows.length === 0) return means;
  const b = rowsToBatch(rows);
  const f = await normalisedFeatures(features, b.x);
  tf.dispose([b.x, b.y, b.taskIds]);
  const sums = new Map<string, { s: number[]; n: number }>();
  rows.forEach((r, i) => {
    const k = `${r.taskId}:${r.y}`;
    const e = sums.get(k) ?? { s: new Array(f[i].length).fill(0), n: 0 };
    for (let j = 0; j < f[i].length; j++) e.s[j] += f[i][j];
    e.n++;
    sums.set(k, e);
  });
  for (const [k, { s, n }] of sums) {
    const m = s.map((v) => v / n);
    const norm = Math.hypot(...m) || 1;
    means.set(
      k,
      m.map((v) => v / norm),
    );
  }
  return means;
}

/**
 * Nearest mean of exemplars: for each row of features (`[n][d]`, raw; normalised here) the target whose
 * prototype is closest, among the prototypes of the row's task (multi-head) or all of them (single head).
 */
export function nearestMean(
  features: number[][],
  taskIds: ArrayLike<number>,
  means: Map<string, number[]>,
  multiHead: boolean,
): tf.Tensor1D {
  const f = features;
  const keys = [...means.keys()];
  return tf.tensor1d(
    f.map((row, i) => {
      const norm = Math.hypot(...row) || 1;
      let best = 0;
      let bestDist = Infinity;
      for (const k of keys) {
        const [t, y] = k.split(':').map(Number);
        if (multiHead && t !== taskIds[i]) continue;
        const m = means.get(k) as number[];
        let d = 0;
        for (let j = 0; j < row.length; j++) d += (row[j] / norm - m[j]) ** 2;
        if (d < bestDist) {
          bestDist = d;
          best = y;
        }
      }
      return best;
    }),
    'int32',
  );
}

/** Options of {@link icarl}. */
export interface IcarlOptions {
  /** Exemplars kept over all classes (default 1000), split equally among the classes seen. */
  memorySize?: number;
  /** Stored rows added to every minibatch (default: the trainer's batch size). */
  replaySize?: number;
}

/**
 * iCaRL-style classification (Rebuffi 2017): exemplars of every class chosen by herding on the trunk's
 * features, replayed during training, and prediction by the nearest mean of exemplars instead of the output
 * layer. (iCaRL's distillation term is {@link lwf}: add it to the plugins for the full method.)
 */
export function icarl(options: IcarlOptions = {}): Plugin {
  checkOptions('icarl: options', options);
  const size = checkInt('icarl: memorySize', options.memorySize ?? 1000);
  const replaySize = options.replaySize === undefined ? undefined : checkInt('icarl: replaySize', options.replaySize);
  const byClass = new Map<string, StoredRow[]>();
  const buffer: ReplayBuffer = { capacity: size, rows: [], add() {} };
  let features: tfl.LayersModel | undefined;
  let means = new Map<string, number[]>();
  const replayPart = replayFrom(buffer, 'icarl replay', replaySize);
  const extractor = (ctx: TrainContext) => {
    features ??= featureModel(ctx.model);
    return features;
  };
  return {
    name: `icarl (${size})`,
    adaptBatch: replayPart.adaptBatch,
    async afterTraining(data: Batch, ctx) {
      const f = extractor(ctx);
      const rows = await readRows(data);
      const fresh = new Map<string, StoredRow[]>();
      for (const r of rows) {
        const k = `${r.taskId}:${r.y}`;
        fresh.set(k, [...(fresh.get(k) ?? []), r]);
      }
      const classes = byClass.size + fresh.size;
      if (classes > size)
        throw new InputError(
          'icarl: memorySize',
          `at least one exemplar per class (${classes} classes seen)`,
          String(size),
        );
      const m = Math.floor(size / classes);
      for (const [k, list] of fresh) {
        const b = rowsToBatch(list);
        const feats = await normalisedFeatures(f, b.x);
        tf.dispose([b.x, b.y, b.taskIds]);
        byClass.set(
          k,
          herding(feats, m).map((i) => list[i]),
        );
      }
      // Herding order: the first m of an older class's exemplars are its best m.
      for (const [k, list] of byClass) byClass.set(k, list.slice(0, m));
      buffer.rows.splice(0, buffer.rows.length, ...[...byClass.values()].flat());
      means = await classMeans(f, buffer.rows);
    },
    async predict(x, taskIds, ctx) {
      if (means.size === 0) return null;
      const h = extractor(ctx).predict(x) as tf.Tensor2D;
      const [rows, ids] = await Promise.all([h.array(), taskIds.data()]);
      h.dispose();
      return nearestMean(rows, ids, means, ctx.heads > 1);
    },
  };
}
