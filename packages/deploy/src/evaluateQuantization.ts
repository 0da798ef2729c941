import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { accuracy, checkInt, checkOptions, checkTensor, describeValue, InputError, type LabelInput } from '@tiefe/core';
import type { QuantizedModel } from './quantize.js';

/** Options of {@link evaluateQuantization}. */
export interface EvaluateQuantizationOptions {
  /** Batch size of `predict` (default 256). */
  batchSize?: number;
}

/** Accuracy of a model and of its quantised copy on the same held-out data. */
export interface QuantizationEvaluation {
  /** Number of held-out samples. */
  samples: number;
  /** Accuracy of the original model. */
  accuracyBefore: number;
  /** Accuracy of the quantised model. */
  accuracyAfter: number;
  /** `accuracyAfter - accuracyBefore` (negative: quantisation lost accuracy). */
  delta: number;
  /** Fraction of samples on which both predict the same class. */
  agreement: number;
  /** Largest |output difference| over all samples and outputs. */
  maxAbsOutputDifference: number;
}

function isArtifacts(v: unknown): v is tf.io.ModelArtifacts {
  return typeof v === 'object' && v !== null && 'modelTopology' in v && 'weightSpecs' in v;
}

/**
 * Accuracy before and after quantisation on held-out `x`, `y` (class ids `[n]` or one-hot `[n, c]`), plus how
 * often the two models agree and the largest change of an output. `quantized` is what {@link quantizeModel}
 * returned, its artifacts, or a model loaded from them; a model this function loads itself is disposed again.
 *
 * @example
 * const q = await quantizeModel(model, { dtype: 'uint8' });
 * const { accuracyBefore, accuracyAfter } = await evaluateQuantization(model, q, xTest, yTest);
 */
export async function evaluateQuantization(
  model: tfl.LayersModel,
  quantized: tfl.LayersModel | QuantizedModel | tf.io.ModelArtifacts,
  x: tf.Tensor,
  y: LabelInput,
  options: EvaluateQuantizationOptions = {},
): Promise<QuantizationEvaluation> {
  const fn = 'evaluateQuantization';
  const o = checkOptions(`${fn}: options`, options);
  const batchSize = checkInt(`${fn}: batchSize`, o.batchSize ?? 256, 1);
  if (!(model instanceof tfl.LayersModel))
    throw new InputError(`${fn}: model`, 'a tf.LayersModel', describeValue(model));
  checkTensor(`${fn}: x`, x, { dtype: 'float32' });
  let other: tfl.LayersModel;
  let owned = false;
  if (quantized instanceof tfl.LayersModel) other = quantized;
  else if (isArtifacts(quantized) || isArtifacts((quantized as QuantizedModel)?.artifacts)) {
    const artifacts = isArtifacts(quantized) ? quantized : (quantized as QuantizedModel).artifacts;
    other = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    owned = true;
  } else {
    throw new InputError(
      `${fn}: quantized`,
      'a LayersModel, quantizeModel result or model artifacts',
      describeValue(quantized),
    );
  }
  try {
    const a = model.predict(x, { batchSize }) as tf.Tensor;
    const b = other.predict(x, { batchSize }) as tf.Tensor;
    try {
      const [accuracyBefore, accuracyAfter] = [await accuracy(y, a), await accuracy(y, b)];
      const [same, diff] = tf.tidy(() => [
        tf.sum(tf.cast(tf.equal(tf.argMax(a, -1), tf.argMax(b, -1)), 'int32')),
        tf.max(tf.abs(tf.sub(a, b))),
      ]);
      const agreement = (await same.data())[0] / x.shape[0];
      const maxAbsOutputDifference = (await diff.data())[0];
      tf.dispose([same, diff]);
      return {
        samples: x.shape[0],
        accuracyBefore,
        accuracyAfter,
        delta: accuracyAfter - accuracyBefore,
        agreement,
        maxAbsOutputDifference,
      };
    } finally {
      tf.dispose([a, b]);
    }
  } finally {
    if (owned) other.dispose();
  }
}
