import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOptions, describeValue, InputError } from '@tiefe/core';
import { freeze, unfreeze } from './freeze.js';
import { type LayerSelector, selectLayers } from './selectLayers.js';

/** One stage of {@link fineTune}. */
export interface FineTuneStage {
  epochs: number;
  learningRate: number;
}

/** Options of {@link fineTune}. */
export interface FineTuneOptions {
  /** The pre-trained layers (the rest is the new head): frozen in stage 1. */
  base: LayerSelector;
  /** Training inputs and targets (as for `model.fit`). */
  x: tf.Tensor | tf.Tensor[];
  y: tf.Tensor | tf.Tensor[];
  /** Makes the optimizer of a stage from its rate, e.g. `(lr) => tf.train.adam(lr)`. */
  optimizer: (learningRate: number) => tf.Optimizer;
  /** Loss and metrics of both stages (as for `model.compile`). */
  loss: string | string[] | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor);
  metrics?: string[];
  /** Stage 1: the head alone, base frozen. */
  head: FineTuneStage;
  /**
   * Stage 2: the top `unfreeze` layers of the base that own weights (`'all'` for the whole base) train along
   * with the head, usually at a rate 10-100x lower. Omit for stage 1 only.
   */
  fine?: FineTuneStage & { unfreeze: number | 'all' };
  /**
   * Keep the base's batch-norm layers frozen (inference mode) in stage 2 (default true: the Keras guide's
   * advice, since a few labelled images give poor batch statistics).
   */
  keepBatchNormFrozen?: boolean;
  batchSize?: number;
  validationData?: [tf.Tensor | tf.Tensor[], tf.Tensor | tf.Tensor[]];
  /** Extra callbacks of both stages. */
  callbacks?: tfl.CustomCallbackArgs | tfl.Callback[];
  /** Shuffle each epoch (default true). */
  shuffle?: boolean;
}

/** What {@link fineTune} did: the histories and the layers unfrozen in stage 2. */
export interface FineTuneResult {
  head: tfl.History;
  fine?: tfl.History;
  unfrozen: string[];
}

/**
 * The transfer-learning recipe: (1) freeze the pre-trained `base`, train the new head at `head.learningRate`;
 * (2) unfreeze the top `fine.unfreeze` weighted layers of the base and train everything trainable at the lower
 * `fine.learningRate`. Each stage compiles the model with a fresh optimizer (stage 1's is disposed when stage 2 starts; the last
 * one stays the model's, for the caller to dispose). Afterwards the model is left as
 * stage 2 trained it (the unfrozen layers stay trainable). A non-finite loss stops with an InputError.
 *
 * @example
 * await fineTune(model, { base: { to: 'flatten' }, x, y, optimizer: (lr) => tf.train.adam(lr),
 *   loss: 'categoricalCrossentropy', head: { epochs: 10, learningRate: 1e-3 },
 *   fine: { epochs: 5, learningRate: 1e-4, unfreeze: 2 } });
 */
export async function fineTune(model: tfl.LayersModel, options: FineTuneOptions): Promise<FineTuneResult> {
  const o = checkOptions('fineTune: options', options);
  if (typeof o.optimizer !== 'function') {
    throw new InputError('fineTune: optimizer', 'a function (lr) => tf.Optimizer', describeValue(o.optimizer));
  }
  const stage = (name: string, s: FineTuneStage | undefined) => {
    checkOptions(`fineTune: ${name}`, s);
    checkInt(`fineTune: ${name}.epochs`, s?.epochs, 0);
    checkNumber(`fineTune: ${name}.learningRate`, s?.learningRate, 0);
  };
  stage('head', o.head);
  if (o.fine) stage('fine', o.fine);
  const base = selectLayers(model, o.base, 'fineTune: base');
  const fit = async (lr: number, epochs: number, name: string) => {
    const previous = model.optimizer;
    model.compile({ optimizer: o.optimizer(lr), loss: o.loss, metrics: o.metrics });
    // Stage 1's optimizer (its moment tensors) would otherwise outlive it: the model does not own it.
    if (name === 'fine') previous.dispose();
    const history = await model.fit(o.x, o.y, {
      epochs,
      batchSize: o.batchSize,
      validationData: o.validationData,
      callbacks: o.callbacks,
      shuffle: o.shuffle ?? true,
      verbose: 0,
    });
    const losses = history.history.loss ?? [];
    if (losses.some((v) => !Number.isFinite(v as number))) {
      throw new InputError(
        `fineTune: ${name}.learningRate`,
        'a rate at which the loss stays finite',
        `loss ${losses.join(', ')} at ${lr}`,
      );
    }
    return history;
  };
  freeze(model, base, { recompile: false });
  const head = await fit(o.head.learningRate, o.head.epochs, 'head');
  if (!o.fine) return { head, unfrozen: [] };
  const keepBn = o.keepBatchNormFrozen ?? true;
  const weighted = base.filter((i) => {
    const l = model.layers[i];
    return l.weights.length > 0 && !(keepBn && l.getClassName() === 'BatchNormalization');
  });
  const n =
    o.fine.unfreeze === 'all'
      ? weighted.length
      : checkInt('fineTune: fine.unfreeze', o.fine.unfreeze, 0, weighted.length);
  const top = weighted.slice(weighted.length - n);
  if (top.length > 0) unfreeze(model, top, { recompile: false });
  const fine = await fit(o.fine.learningRate, o.fine.epochs, 'fine');
  return { head, fine, unfrozen: top.map((i) => model.layers[i].name) };
}
