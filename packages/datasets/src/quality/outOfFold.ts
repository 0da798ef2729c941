import * as tf from '@tensorflow/tfjs-core';
import { type CrossValidateOptions, type CrossValidationResult, crossValidate, InputError, kFold } from '@tiefe/core';

/** Options of {@link outOfFoldProbabilities}: those of core's `crossValidate`, whose `metric` it sets itself. */
export type OutOfFoldOptions = Omit<CrossValidateOptions, 'metric'> & {
  /** Batch size of the held-out predictions. Default 256. */
  predictBatchSize?: number;
};

/** Result of {@link outOfFoldProbabilities}. */
export interface OutOfFoldResult {
  /** `[n, classes]` predicted probabilities, each row from the fold model that did not train on it. Dispose it. */
  probabilities: tf.Tensor2D;
  /** The cross-validation run; each fold's score is its held-out accuracy (argmax vs labels). */
  cv: CrossValidationResult;
}

/**
 * Out-of-fold predicted class probabilities, what {@link findLabelIssues} and `datasetReport` need: core's
 * `crossValidate` trains one model per fold and each sample is predicted by the model of the fold that held it
 * out. The model must end in a softmax; `y` holds class ids `[n]` or one-hot rows `[n, classes]`.
 *
 * @example
 * const { probabilities } = await outOfFoldProbabilities({ createModel, x: images, y: labels,
 *   splitter: stratifiedKFold(labelArray, { k: 3, shuffle: true }), fitArgs: { epochs: 3, batchSize: 64 } });
 */
export async function outOfFoldProbabilities(options: OutOfFoldOptions): Promise<OutOfFoldResult> {
  const {
    splitter = kFold({ k: 5, shuffle: true }),
    predictBatchSize = 256,
    ...rest
  } = options ?? ({} as OutOfFoldOptions);
  const n = rest.x instanceof tf.Tensor ? rest.x.shape[0] : 0;
  // The folds are drawn once here so that the predictions can be put back in place; crossValidate checks them.
  const folds = n > 0 && splitter && typeof splitter.split === 'function' ? splitter.split(n) : [];
  let rows: Float32Array | undefined;
  let classes = 0;
  let fold = 0;
  const covered = new Uint8Array(n);
  const cv = await crossValidate({
    ...rest,
    splitter: { split: () => folds },
    metric: async (model, xTest, yTest) => {
      const out = model.predict(xTest, { batchSize: predictBatchSize });
      if (Array.isArray(out)) {
        tf.dispose(out);
        throw new InputError('outOfFoldProbabilities: createModel', 'a model with one output', `${out.length} outputs`);
      }
      const probs = out as tf.Tensor;
      const test = folds[fold++].test;
      try {
        if (probs.rank !== 2)
          throw new InputError(
            'outOfFoldProbabilities: createModel',
            'a model with [batch, classes] output',
            `shape [${probs.shape.join(',')}]`,
          );
        classes = (probs as tf.Tensor2D).shape[1];
        rows ??= new Float32Array(n * classes);
        const values = await probs.data();
        const ids = yTest.rank === 2 ? tf.argMax(yTest, 1) : yTest;
        const truth = await ids.data();
        if (ids !== yTest) ids.dispose();
        let correct = 0;
        test.forEach((idx, k) => {
          let best = 0;
          for (let c = 0; c < classes; c++) {
            (rows as Float32Array)[idx * classes + c] = values[k * classes + c];
            if (values[k * classes + c] > values[k * classes + best]) best = c;
          }
          if (best === Math.round(truth[k])) correct++;
          covered[idx] = 1;
        });
        return correct / test.length;
      } finally {
        probs.dispose();
      }
    },
  });
  const missing = covered.indexOf(0);
  if (missing >= 0) {
    throw new InputError(
      'outOfFoldProbabilities: splitter',
      'folds whose test parts cover every sample',
      `sample ${missing} in no test fold`,
    );
  }
  return { probabilities: tf.tensor2d(rows ?? new Float32Array(0), [n, classes]), cv };
}
