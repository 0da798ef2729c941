/**
 * Does transfer pay for a task with few labels? {@link compareTransfer} answers it the way the transfer
 * literature does: the same few labelled images per class, drawn again for each seed, learnt (a) from scratch,
 * (b) by a new head on the source's frozen features (cached once), (c) by that head and then the whole
 * network fine-tuned at a low rate, each scored on the same held-out test set.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkRate,
  checkTensor,
  createRng,
  describeValue,
  InputError,
  seed,
} from '@tiefe/core';
import { cutAt } from './cut.js';
import { extractFeatures } from './features.js';
import { freeze } from './freeze.js';
import { headModel, stackHead } from './heads.js';
import { loadModel, type ModelSource } from './loadModel.js';
import { learningRateScheduler, warmupCosine } from './schedules.js';

/** One of the three ways {@link compareTransfer} learns the target task. */
export type TransferStrategy = 'scratch' | 'frozen' | 'fineTune';

/** Images and their integer class ids `0..classes-1`. */
export interface LabelledImages {
  x: tf.Tensor;
  labels: ArrayLike<number>;
}

/** Options of {@link compareTransfer}. */
export interface CompareTransferOptions {
  /** The trained source model; loaded afresh for each fine-tuning, so it is never changed. */
  source: ModelSource;
  /**
   * The layer whose output are the transferred features: the base is the source up to it. For a CNN the
   * convolutional features (its `Flatten` or global pooling): a classifier's penultimate dense layer is tuned to
   * the source classes (in blocks' smallCnn trained on digits 0-4, 88 of its 128 ReLUs are never active on 5-9).
   */
  features: string;
  /** A new, untrained model for the target task (strategy `'scratch'`); called once per seed after `seed(s)`. */
  scratch?: () => tfl.LayersModel;
  /** Target classes (>= 2). */
  classes: number;
  /** The pool the labelled images are drawn from. */
  train: LabelledImages;
  /** The held-out images every strategy is scored on (never drawn for training). */
  test: LabelledImages;
  /**
   * Labelled images per class, one comparison each (default `[10, 50, 100]`). A class with fewer images in the
   * pool gives all it has (see the result's `images`).
   */
  shots?: number[];
  /** Seeds (default `[1, 2, 3]`): each draws other images and initialises the new weights differently. */
  seeds?: number[];
  /**
   * Gradient steps of scratch training and of the fine-tuning stage (default 150): the same budget whatever
   * the number of images, rounded to whole epochs of `batchSize`.
   */
  steps?: number;
  /** Examples per gradient step (default 32). */
  batchSize?: number;
  /** Adam rate of scratch training (default 1e-3). */
  scratchRate?: number;
  /**
   * The rate over the `steps` of scratch training and of fine-tuning (default `'constant'`): `'cosine'` decays it
   * from the given rate to 0 along a half cosine ({@link warmupCosine}, no warm-up), which ends both on a
   * settled model instead of wherever the last full-size step left it.
   */
  schedule?: 'constant' | 'cosine';
  /**
   * The head on cached features: epochs (default 100), Adam rate (default 3e-3), hidden widths (default none:
   * one softmax layer), dropout on its input (default 0.2).
   */
  head?: { epochs?: number; learningRate?: number; hidden?: number[]; dropout?: number };
  /**
   * Adam rate of the fine-tuning stage (default 3e-4, a third of scratch's: measured on digits 0-4 -> 5-9 with
   * 150 steps, 3e-4 gave 96.0 / 98.7% at 10 / 50 labels per class against 95.9 / 98.1% at 1e-3, whose larger
   * steps pull the source's features further from where they transfer); the base's batch-norm layers stay
   * frozen (inference mode, the source's moving statistics), since a few images give poor batch statistics
   * (training them lost 1-9 points there).
   */
  fineTuneRate?: number;
  /**
   * Data augmentation, the same for all three strategies (default none): `(images, seed) => new images`, a new
   * tensor (the input is not disposed), e.g. `(x, s) => augmentImages(x, { seed: s, rotationDegrees: 10,
   * translate: 0.1, clip: [0, 1] })` from `@tiefe/datasets`. Given, each seed's labelled images are tiled to one
   * pool of `steps * batchSize` images and augmented once: scratch and fine-tuning take their `steps` gradient
   * steps as one pass over it (each step sees new variants), and the frozen head trains on the pool's cached
   * features for as many image presentations as `head.epochs` over the labelled images.
   */
  augment?: (images: tf.Tensor, seed: number) => tf.Tensor;
  /** Strategies to run (default all three; `'fineTune'` starts from the `'frozen'` head, so it runs that too). */
  strategies?: TransferStrategy[];
  /** Called with one line per finished cell. */
  log?: (line: string) => void;
}

/** One cell of {@link compareTransfer}'s table: a label count and a strategy, over the seeds. */
export interface TransferComparison {
  /** Labelled images per class asked for. */
  shots: number;
  /** Labelled images actually used (fewer than `shots * classes` when a class ran out). */
  images: number;
  strategy: TransferStrategy;
  /** Test accuracy per seed, in [0, 1]. */
  accuracies: number[];
  mean: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  std: number;
  /**
   * The accuracy gained over scratch on the same drawn images, per seed (a paired comparison: the draw's own
   * difficulty cancels out), with its mean and sample standard deviation. Absent for `'scratch'` itself and
   * when scratch did not run.
   */
  gain?: { perSeed: number[]; mean: number; std: number };
  /** Mean training seconds per seed (for `'fineTune'`: the head's time plus the fine-tuning). */
  seconds: number;
}

/** The strategies of {@link compareTransfer}, in the order its table lists them. */
export const TRANSFER_STRATEGIES: readonly TransferStrategy[] = ['scratch', 'frozen', 'fineTune'];

/**
 * Up to `k` indices of each class (ids `0..classes-1`), in a seeded random order: the same seed draws the same
 * images. The draw of {@link compareTransfer}; use it to pick a few labelled examples per class yourself.
 *
 * @example
 * const idx = drawPerClass(labels, 10, 5, 1); // 10 indices of each of 5 classes, seed 1
 */
export function drawPerClass(labels: ArrayLike<number>, k: number, classes: number, seedValue: number): number[] {
  const order = createRng(seedValue).shuffle(Array.from({ length: labels.length }, (_, i) => i));
  const taken = new Array<number>(classes).fill(0);
  const picked: number[] = [];
  for (const i of order) {
    const c = labels[i];
    if (taken[c] < k) {
      taken[c]++;
      picked.push(i);
    }
  }
  return picked;
}

function checkLabelled(name: string, d: LabelledImages | undefined, classes: number): Int32Array {
  checkOptions(`compareTransfer: ${name}`, d);
  checkTensor(`compareTransfer: ${name}.x`, d?.x);
  const labels = d?.labels;
  if (labels == null || typeof labels.length !== 'number' || labels.length !== (d?.x.shape[0] ?? -1)) {
    throw new InputError(
      `compareTransfer: ${name}.labels`,
      `one class id per image (${d?.x.shape[0]})`,
      describeValue(labels),
    );
  }
  const out = Int32Array.from(labels);
  out.forEach((c, i) => {
    if (c !== labels[i] || c < 0 || c >= classes) {
      throw new InputError(
        `compareTransfer: ${name}.labels`,
        `integer class ids 0..${classes - 1}`,
        `${labels[i]} at ${i}`,
      );
    }
  });
  return out;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const std = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((s, e) => s + (e - mean(v)) ** 2, 0) / (v.length - 1));

function accuracy(model: tfl.LayersModel, x: tf.Tensor, labels: Int32Array): number {
  const predicted = tf.tidy(() => tf.argMax(model.predict(x, { batchSize: 256 }) as tf.Tensor, 1).dataSync());
  let right = 0;
  predicted.forEach((p, i) => {
    if (p === labels[i]) right++;
  });
  return right / labels.length;
}

/**
 * The training set of one seed under augmentation: `x` and `y` tiled to `n` rows, the images augmented once.
 * The caller disposes both tensors.
 */
function augmentedPool(
  x: tf.Tensor,
  y: tf.Tensor,
  n: number,
  augment: (images: tf.Tensor, seed: number) => tf.Tensor,
  seedValue: number,
): [tf.Tensor, tf.Tensor] {
  const reps = Math.ceil(n / x.shape[0]);
  const [tiledX, tiledY] = tf.tidy(() => [
    tf.slice(tf.tile(x, [reps, ...x.shape.slice(1).map(() => 1)]), 0, n),
    tf.slice(tf.tile(y, [reps, 1]), 0, n),
  ]);
  let out: unknown;
  try {
    out = augment(tiledX, seedValue);
  } finally {
    if (out !== tiledX) tiledX.dispose();
  }
  if (!(out instanceof tf.Tensor) || out.shape.join() !== tiledX.shape.join()) {
    if (out instanceof tf.Tensor) out.dispose();
    tiledY.dispose();
    throw new InputError(
      'compareTransfer: augment',
      `a function returning a tensor of the images' shape [${tiledX.shape.join(',')}]`,
      out instanceof tf.Tensor ? `shape [${out.shape.join(',')}]` : describeValue(out),
    );
  }
  return [out, tiledY];
}

/**
 * Compares learning a target task from a few labels per class from scratch, with a new head on the frozen
 * features of a trained `source`, and with that head then fine-tuning everything (batch norm kept frozen),
 * over several seeds. Every strategy of a seed sees the same drawn images and the same step budget; all are
 * scored on `test`. No tensor is left behind; the caller keeps `train`, `test` and the source.
 *
 * @example
 * const table = await compareTransfer({
 *   source: 'file:///models/digits04', features: 'flatten_Flatten1', classes: 5,
 *   scratch: () => smallCnn({ classes: 5 }), train: { x, labels }, test: { x: testX, labels: testLabels },
 *   shots: [10, 50],
 * });
 */
export async function compareTransfer(options: CompareTransferOptions): Promise<TransferComparison[]> {
  const o = checkOptions('compareTransfer: options', options);
  const classes = checkInt('compareTransfer: classes', o.classes, 2);
  const trainLabels = checkLabelled('train', o.train, classes);
  const testLabels = checkLabelled('test', o.test, classes);
  const shots = (o.shots ?? [10, 50, 100]).map((k, i) => checkInt(`compareTransfer: shots[${i}]`, k, 1));
  const seeds = (o.seeds ?? [1, 2, 3]).map((s, i) => checkInt(`compareTransfer: seeds[${i}]`, s, 0));
  if (seeds.length === 0) throw new InputError('compareTransfer: seeds', 'at least one seed', '[]');
  const steps = checkInt('compareTransfer: steps', o.steps ?? 150, 1);
  const batchSize = checkInt('compareTransfer: batchSize', o.batchSize ?? 32, 1);
  const scratchRate = checkNumber('compareTransfer: scratchRate', o.scratchRate ?? 1e-3, 0);
  const h = checkOptions('compareTransfer: head', o.head);
  const headEpochs = checkInt('compareTransfer: head.epochs', h.epochs ?? 100, 1);
  const headRate = checkNumber('compareTransfer: head.learningRate', h.learningRate ?? 3e-3, 0);
  const headDropout = checkRate('compareTransfer: head.dropout', h.dropout ?? 0.2);
  const fineTuneRate = checkNumber('compareTransfer: fineTuneRate', o.fineTuneRate ?? 3e-4, 0);
  const schedule = checkOneOf('compareTransfer: schedule', o.schedule ?? 'constant', ['constant', 'cosine'] as const);
  const asked = (o.strategies ?? TRANSFER_STRATEGIES).map((s, i) =>
    checkOneOf(`compareTransfer: strategies[${i}]`, s, TRANSFER_STRATEGIES),
  );
  const strategies = TRANSFER_STRATEGIES.filter(
    (s) => asked.includes(s) || (s === 'frozen' && asked.includes('fineTune')),
  );
  if (strategies.includes('scratch') && typeof o.scratch !== 'function') {
    throw new InputError(
      'compareTransfer: scratch',
      'a function () => new model (strategy scratch)',
      describeValue(o.scratch),
    );
  }
  if (o.augment !== undefined && typeof o.augment !== 'function') {
    throw new InputError('compareTransfer: augment', 'a function (images, seed) => images', describeValue(o.augment));
  }
  const augment = o.augment;
  const log = o.log ?? (() => {});

  // Epochs of `steps` gradient steps at this many images: scratch and fine-tuning get the same budget.
  const fitSteps = async (model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, rate: number) => {
    model.compile({ optimizer: tf.train.adam(rate), loss: 'categoricalCrossentropy' });
    const batches = Math.ceil(x.shape[0] / batchSize);
    const epochs = Math.max(1, Math.round(steps / batches));
    const callbacks =
      schedule === 'cosine' ? [learningRateScheduler(warmupCosine({ peak: rate, total: epochs * batches }))] : [];
    try {
      await model.fit(x, y, { epochs, batchSize, verbose: 0, callbacks });
    } finally {
      model.optimizer.dispose();
    }
  };

  const source = await loadModel(o.source);
  const results: TransferComparison[] = [];
  let testFeatures: tf.Tensor | undefined;
  try {
    const base = cutAt(source, o.features, { name: 'transfer_base' });
    const featureShape = base.outputs[0].shape.slice(1) as number[];
    testFeatures = extractFeatures(base, o.test.x, { batchSize: 256 });
    for (const k of shots) {
      const acc: Record<TransferStrategy, number[]> = { scratch: [], frozen: [], fineTune: [] };
      const secs: Record<TransferStrategy, number[]> = { scratch: [], frozen: [], fineTune: [] };
      let images = 0;
      for (const s of seeds) {
        const idx = drawPerClass(trainLabels, k, classes, s);
        images = idx.length;
        const picked = Int32Array.from(idx, (i) => trainLabels[i]);
        const [x, y] = tf.tidy(() => [
          tf.gather(o.train.x, tf.tensor1d(idx, 'int32')),
          tf.cast(tf.oneHot(tf.tensor1d(picked, 'int32'), classes), 'float32'),
        ]);
        let [poolX, poolY] = [x, y];
        try {
          // Scratch, the head and fine-tuning learn from the same images: the drawn ones or their augmented pool.
          if (augment) [poolX, poolY] = augmentedPool(x, y, steps * batchSize, augment, s);
          if (strategies.includes('scratch')) {
            const t = performance.now();
            seed(s);
            const model = (o.scratch as () => tfl.LayersModel)();
            try {
              await fitSteps(model, poolX, poolY, scratchRate);
              acc.scratch.push(accuracy(model, o.test.x, testLabels));
            } finally {
              model.dispose();
            }
            secs.scratch.push((performance.now() - t) / 1000);
          }
          if (!strategies.includes('frozen')) continue;
          let t = performance.now();
          seed(s);
          const features = extractFeatures(base, poolX, { batchSize: 256 });
          const head = headModel(featureShape, {
            kind: 'classification',
            classes,
            hidden: h.hidden,
            dropout: headDropout,
            name: 'transfer_head',
          });
          try {
            head.compile({ optimizer: tf.train.adam(headRate), loss: 'categoricalCrossentropy' });
            // As many image presentations as `headEpochs` passes over the drawn images.
            const epochs = Math.max(1, Math.round((headEpochs * idx.length) / poolX.shape[0]));
            await head.fit(features, poolY, { epochs, batchSize, verbose: 0 });
            head.optimizer.dispose();
            acc.frozen.push(accuracy(head, testFeatures, testLabels));
            secs.frozen.push((performance.now() - t) / 1000);
            if (strategies.includes('fineTune')) {
              t = performance.now();
              // A fresh copy: `base` shares the source's layers, and fine-tuning must not move them.
              const copy = await loadModel(o.source);
              let tuned: tfl.LayersModel | undefined;
              try {
                tuned = stackHead(cutAt(copy, o.features), head);
                freeze(tuned, (l) => l.getClassName() === 'BatchNormalization');
                await fitSteps(tuned, poolX, poolY, fineTuneRate);
                acc.fineTune.push(accuracy(tuned, o.test.x, testLabels));
              } finally {
                copy.dispose();
                // stackHead applied the head's layers a second time: tfjs counts that as a second reference.
                if (tuned) for (const layer of head.layers.slice(1)) layer.dispose();
              }
              secs.fineTune.push((performance.now() - t) / 1000 + (secs.frozen.at(-1) as number));
            }
          } finally {
            features.dispose();
            head.dispose();
          }
        } finally {
          tf.dispose([x, y, poolX, poolY]);
        }
      }
      for (const strategy of strategies) {
        // Paired with scratch: each seed drew the same images for every strategy.
        const gains =
          strategy !== 'scratch' && strategies.includes('scratch')
            ? acc[strategy].map((a, i) => a - acc.scratch[i])
            : undefined;
        const r: TransferComparison = {
          shots: k,
          images,
          strategy,
          accuracies: acc[strategy],
          mean: mean(acc[strategy]),
          std: std(acc[strategy]),
          ...(gains ? { gain: { perSeed: gains, mean: mean(gains), std: std(gains) } } : {}),
          seconds: mean(secs[strategy]),
        };
        results.push(r);
        log(
          `${k}/class (${images} images), ${strategy}: ${(r.mean * 100).toFixed(1)}% +- ${(r.std * 100).toFixed(1)} (${r.accuracies.map((a) => (a * 100).toFixed(1)).join(', ')}), ${r.seconds.toFixed(1)} s`,
        );
      }
    }
  } finally {
    testFeatures?.dispose();
    source.dispose();
  }
  return results;
}
