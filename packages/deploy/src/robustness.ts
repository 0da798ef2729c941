import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {
  accuracy,
  auroc,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkTensor,
  describeValue,
  InputError,
  type LabelInput,
} from '@tiefe/core';
import { type AugmentOptions, augmentImages } from '@tiefe/datasets';

/**
 * The perturbations {@link robustnessReport} applies by default, for upright grey images such as digits in
 * [0, 1] (no flips: a mirrored digit is another symbol): small rotations and shifts, the CIFAR-style crop,
 * brightness and contrast changes.
 */
export const ROBUSTNESS_AUGMENTATIONS: Readonly<Record<string, AugmentOptions>> = Object.freeze({
  'rotation ±15°': { rotationDegrees: 15 },
  'translation ±10%': { translate: 0.1 },
  'crop, padding 2': { cropPadding: 2 },
  'brightness ±0.3': { brightness: 0.3 },
  'contrast ±50%': { contrast: 0.5 },
});

/** Options of {@link robustnessReport}. */
export interface RobustnessOptions {
  /** Held-out images `[n, h, w, c]` (float32, the scale the model was trained on, e.g. [0, 1]). */
  x: tf.Tensor4D;
  /** Their labels: class ids `[n]` or one-hot `[n, c]`, tensor or array. */
  y: LabelInput;
  /**
   * Named datasets augmentations (`augmentImages` options); each is applied to the whole of `x` and the
   * accuracy measured. Default {@link ROBUSTNESS_AUGMENTATIONS}; `{}` for none.
   */
  augmentations?: Record<string, AugmentOptions>;
  /** Standard deviations of added Gaussian pixel noise (default `[0.1, 0.2, 0.3]`; `[]` for none). */
  gaussianSigmas?: number[];
  /**
   * Out-of-distribution images (same shape per image as `x`, e.g. Fashion-MNIST for a digit model): the
   * maximum softmax probability detector (Hendrycks & Gimpel 2017) scores in- vs out-of-distribution.
   */
  ood?: tf.Tensor4D;
  /**
   * Seed of the random perturbations (default 0). Batch `b` of `batchSize` images is perturbed with
   * `augmentImages(batch, { ...options, seed: seed + b })` (an augmentation's own `seed` replaces `seed`).
   */
  seed?: number;
  /** Clip perturbed pixels to this range (default `[0, 1]`; `null` for no clipping). An augmentation's own `clip` wins. */
  clip?: [number, number] | null;
  /** Images per batch (default 256). */
  batchSize?: number;
  /** What the model outputs: `'probabilities'` (a softmax last layer, default) or `'logits'` (softmax applied here). */
  outputs?: 'probabilities' | 'logits';
}

/** Accuracy under one perturbation. */
export interface PerturbedAccuracy {
  /** The augmentation's name, or `gaussian σ=<sigma>`. */
  name: string;
  /** Accuracy on the perturbed images. */
  accuracy: number;
  /** `clean - accuracy` (positive: the perturbation costs accuracy). */
  drop: number;
}

/** The out-of-distribution check of {@link robustnessReport}. */
export interface OodReport {
  /** The score: the largest class probability of each image. */
  detector: 'maximum softmax probability';
  /** Numbers of in-distribution (`x`) and out-of-distribution (`ood`) images. */
  inDistribution: number;
  outOfDistribution: number;
  /** AUROC of the score, in-distribution = positive (0.5: no separation, 1: perfect). */
  auroc: number;
  /**
   * Share of OOD images accepted at the threshold that keeps 95% of in-distribution images (the largest
   * threshold t with at least 95% of in-distribution scores >= t).
   */
  fprAt95Tpr: number;
  /** Mean maximum softmax probability on each set. */
  meanScoreIn: number;
  meanScoreOut: number;
}

/** Result of {@link robustnessReport}. */
export interface RobustnessReport {
  /** Number of held-out images. */
  samples: number;
  /** Accuracy on unperturbed `x`. */
  clean: number;
  /** One entry per augmentation, in the order given. */
  augmentations: PerturbedAccuracy[];
  /** One entry per Gaussian noise level. */
  noise: (PerturbedAccuracy & { sigma: number })[];
  /** Present when `ood` was given. */
  ood?: OodReport;
}

interface Predictions {
  classes: Int32Array;
  scores: Float32Array;
}

/** Class and maximum softmax probability of every image, batch by batch, each batch perturbed by `perturb`. */
async function predictAll(
  model: tfl.LayersModel,
  x: tf.Tensor4D,
  batchSize: number,
  logits: boolean,
  perturb?: (batch: tf.Tensor4D, b: number) => tf.Tensor4D,
): Promise<Predictions> {
  const n = x.shape[0];
  const classes = new Int32Array(n);
  const scores = new Float32Array(n);
  for (let start = 0, b = 0; start < n; start += batchSize, b++) {
    const size = Math.min(batchSize, n - start);
    const [cls, msp] = tf.tidy(() => {
      let batch = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D;
      if (perturb) batch = perturb(batch, b);
      const out = model.predict(batch) as tf.Tensor;
      if (Array.isArray(out) || out.rank !== 2) {
        throw new InputError('robustnessReport: model', 'one output of shape [n, classes]', describeValue(out));
      }
      const p = logits ? tf.softmax(out) : out;
      return [tf.argMax(p, 1), tf.max(p, 1)];
    });
    classes.set(await cls.data(), start);
    scores.set(await msp.data(), start);
    tf.dispose([cls, msp]);
  }
  return { classes, scores };
}

/** The largest threshold that keeps at least `tpr` of the positives: the ceil(tpr n)-th largest score. */
function fprAtTpr(positives: Float32Array, negatives: Float32Array, tpr: number): number {
  const sorted = Float32Array.from(positives).sort().reverse();
  const t = sorted[Math.ceil(tpr * sorted.length) - 1];
  let accepted = 0;
  for (const s of negatives) if (s >= t) accepted++;
  return accepted / negatives.length;
}

const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;

/**
 * The robustness check before deployment ("only when the model is surely robust enough"): accuracy on
 * held-out images under each of datasets' augmentations and under Gaussian noise of growing strength, and
 * optionally how well the maximum softmax probability tells in-distribution images from an
 * out-of-distribution set (AUROC, FPR at 95% TPR). Perturbations are seeded, so reports are reproducible.
 * Inputs are only read; nothing stays allocated.
 *
 * @example
 * const r = await robustnessReport(model, { x: test.images, y: test.labels, ood: fashion.images });
 * console.log(r.clean, r.noise.map((n) => n.accuracy), r.ood?.auroc);
 */
export async function robustnessReport(model: tfl.LayersModel, options: RobustnessOptions): Promise<RobustnessReport> {
  const fn = 'robustnessReport';
  if (!(model instanceof tfl.LayersModel))
    throw new InputError(`${fn}: model`, 'a tf.LayersModel', describeValue(model));
  const o = checkOptions(`${fn}: options`, options);
  const x = checkTensor<tf.Tensor4D>(`${fn}: x`, o.x, { dtype: 'float32', rank: 4 });
  const augmentations = checkOptions(`${fn}: augmentations`, o.augmentations ?? ROBUSTNESS_AUGMENTATIONS);
  const sigmas = o.gaussianSigmas ?? [0.1, 0.2, 0.3];
  if (!Array.isArray(sigmas))
    throw new InputError(`${fn}: gaussianSigmas`, 'an array of numbers >= 0', describeValue(sigmas));
  for (let i = 0; i < sigmas.length; i++) checkNumber(`${fn}: gaussianSigmas[${i}]`, sigmas[i], 0);
  const seed = checkInt(`${fn}: seed`, o.seed ?? 0, 0);
  const batchSize = checkInt(`${fn}: batchSize`, o.batchSize ?? 256, 1);
  const logits =
    checkOneOf(`${fn}: outputs`, o.outputs ?? 'probabilities', ['probabilities', 'logits'] as const) === 'logits';
  const clip = o.clip === undefined ? ([0, 1] as [number, number]) : o.clip;
  if (clip !== null && !(Array.isArray(clip) && clip.length === 2 && clip[0] < clip[1])) {
    throw new InputError(`${fn}: clip`, '[lo, hi] with lo < hi, or null', describeValue(clip));
  }
  if (o.ood !== undefined) {
    const ood = checkTensor<tf.Tensor4D>(`${fn}: ood`, o.ood, { dtype: 'float32', rank: 4 });
    if (ood.shape.slice(1).join() !== x.shape.slice(1).join()) {
      throw new InputError(`${fn}: ood`, `images of shape [${x.shape.slice(1)}] like x`, `[${ood.shape.slice(1)}]`);
    }
  }
  const withClip = (a: AugmentOptions): AugmentOptions => (clip === null || a.clip ? a : { ...a, clip });

  const clean = await predictAll(model, x, batchSize, logits);
  const cleanAccuracy = await accuracy(o.y, clean.classes);
  const perturbed = async (name: string, a: AugmentOptions): Promise<PerturbedAccuracy> => {
    const p = await predictAll(model, x, batchSize, logits, (batch, b) =>
      augmentImages(batch, { ...withClip(a), seed: (a.seed ?? seed) + b }),
    );
    const acc = await accuracy(o.y, p.classes);
    return { name, accuracy: acc, drop: cleanAccuracy - acc };
  };
  const augmentationResults: PerturbedAccuracy[] = [];
  for (const [name, a] of Object.entries(augmentations)) {
    augmentationResults.push(await perturbed(name, checkOptions(`${fn}: augmentations.${name}`, a)));
  }
  const noise: RobustnessReport['noise'] = [];
  for (const sigma of sigmas) noise.push({ ...(await perturbed(`gaussian σ=${sigma}`, { noiseStd: sigma })), sigma });

  const report: RobustnessReport = {
    samples: x.shape[0],
    clean: cleanAccuracy,
    augmentations: augmentationResults,
    noise,
  };
  if (o.ood !== undefined) {
    const out = await predictAll(model, o.ood, batchSize, logits);
    const scores = [...clean.scores, ...out.scores];
    const labels = [...new Array(clean.scores.length).fill(1), ...new Array(out.scores.length).fill(0)];
    report.ood = {
      detector: 'maximum softmax probability',
      inDistribution: clean.scores.length,
      outOfDistribution: out.scores.length,
      auroc: auroc(scores, labels),
      fprAt95Tpr: fprAtTpr(clean.scores, out.scores, 0.95),
      meanScoreIn: mean(clean.scores),
      meanScoreOut: mean(out.scores),
    };
  }
  return report;
}
