import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkOneOf, checkOptions, checkTensor, InputError } from '@tiefe/core';

/** Options of {@link knnClassify}. */
export interface KnnOptions {
  /** Neighbours that vote (default 5; at most the number of stored embeddings). */
  k?: number;
  /** `'euclidean'` (default) or `'cosine'` (1 - cosine similarity). */
  metric?: 'euclidean' | 'cosine';
  /** Queries per distance computation (default 256): bounds the [batch, N] distance matrix. */
  batchSize?: number;
}

/**
 * k-nearest-neighbour classification on embeddings: each row of `queries` [Q, D] gets the majority label of its
 * `k` nearest rows of `embeddings` [N, D] (labels [N], integer class ids). A tie between classes goes to the
 * class whose tied neighbours are nearer in total, then to the smaller id. Returns Int32 labels [Q].
 *
 * @example
 * const predicted = knnClassify(trainFeatures, trainLabels, testFeatures, { k: 3, metric: 'cosine' });
 */
export function knnClassify(
  embeddings: tf.Tensor,
  labels: tf.Tensor,
  queries: tf.Tensor,
  options: KnnOptions = {},
): Int32Array {
  const o = checkOptions('knnClassify: options', options);
  checkTensor('knnClassify: embeddings', embeddings, { rank: 2, dtype: 'float32' });
  checkTensor('knnClassify: queries', queries, { rank: 2, dtype: 'float32' });
  checkTensor('knnClassify: labels', labels, { rank: 1 });
  const [n, d] = embeddings.shape;
  if (queries.shape[1] !== d) {
    throw new InputError(
      'knnClassify: queries',
      `rows of ${d} features (as the embeddings)`,
      `shape [${queries.shape}]`,
    );
  }
  if (labels.shape[0] !== n) throw new InputError('knnClassify: labels', `${n} labels`, `${labels.shape[0]}`);
  const k = checkInt('knnClassify: k', o.k ?? 5, 1, n);
  const metric = checkOneOf('knnClassify: metric', o.metric ?? 'euclidean', ['euclidean', 'cosine'] as const);
  const batchSize = checkInt('knnClassify: batchSize', o.batchSize ?? 256);
  const ids = Array.from(labels.dataSync(), (v) => {
    if (!Number.isInteger(v) || v < 0) throw new InputError('knnClassify: labels', 'integer class ids >= 0', String(v));
    return v;
  });
  const q = queries.shape[0];
  const out = new Int32Array(q);
  for (let start = 0; start < q; start += batchSize) {
    const size = Math.min(batchSize, q - start);
    const [dist, index] = tf.tidy(() => {
      const qs = tf.slice(queries, start, size);
      let dm: tf.Tensor2D;
      if (metric === 'euclidean') {
        // |q - e|^2 = |q|^2 - 2 q.e + |e|^2, clipped at 0 against rounding.
        const qq = tf.sum(tf.square(qs), 1, true);
        const ee = tf.reshape(tf.sum(tf.square(embeddings), 1), [1, n]);
        dm = tf.relu(tf.add(tf.sub(qq, tf.mul(2, tf.matMul(qs, embeddings, false, true))), ee)) as tf.Tensor2D;
      } else {
        const unit = (t: tf.Tensor) => tf.div(t, tf.maximum(tf.norm(t, 2, 1, true), 1e-12));
        dm = tf.sub(1, tf.matMul(unit(qs), unit(embeddings), false, true)) as tf.Tensor2D;
      }
      const top = tf.topk(tf.neg(dm), k);
      return [tf.neg(top.values), top.indices];
    });
    const dv = dist.dataSync();
    const iv = index.dataSync();
    tf.dispose([dist, index]);
    for (let r = 0; r < size; r++) {
      const votes = new Map<number, { count: number; total: number }>();
      for (let j = 0; j < k; j++) {
        const c = ids[iv[r * k + j]];
        const v = votes.get(c) ?? { count: 0, total: 0 };
        v.count++;
        v.total += dv[r * k + j];
        votes.set(c, v);
      }
      let best = -1;
      let bestVote = { count: -1, total: 0 };
      for (const [c, v] of votes) {
        const better =
          v.count > bestVote.count ||
          (v.count === bestVote.count && (v.total < bestVote.total || (v.total === bestVote.total && c < best)));
        if (better) {
          best = c;
          bestVote = v;
        }
      }
      out[start + r] = best;
    }
  }
  return out;
}
