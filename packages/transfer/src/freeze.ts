/**
 * Freezing and unfreezing layers. tfjs keeps `trainable` on the layers' shared variables, and `fit` trains the
 * list of trainable weights collected at `compile`, minus the variables frozen since (tfjs prunes
 * non-trainable variables from the gradients): freezing after compile holds, but a layer unfrozen after
 * compile does not train until the model is compiled again. {@link freeze} and {@link unfreeze} recompile a
 * compiled model with its own optimizer, loss and metrics (or, with `recompile: false`, report in
 * `needsRecompile` that the compiled list is stale).
 *
 * Batch normalization: tfjs' `BatchNormalization` normalises with the batch's statistics and updates its
 * moving mean and variance whenever it is called in training mode, trainable or not. Keras runs a frozen BN
 * layer in inference mode instead (moving statistics used and left alone), which is what transfer learning
 * needs: a frozen base must compute the same features in training as at inference. Both functions give the
 * selected BN layers Keras' behaviour: while `layer.trainable` is false, the layer runs in inference mode.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkOptions } from '@tiefe/core';
import { type LayerSelector, selectLayers } from './selectLayers.js';

/** Options of {@link freeze} and {@link unfreeze}. */
export interface FreezeOptions {
  /**
   * Compile a compiled model again (with its optimizer, loss and metrics) so that `fit` sees the change
   * (default true). With false, the returned report's `needsRecompile` tells whether it must be done.
   */
  recompile?: boolean;
}

/** One layer in a {@link TrainableReport}. */
export interface LayerTrainability {
  index: number;
  name: string;
  trainable: boolean;
  /** Elements of the layer's trainable-kind weights (kernels, biases, gamma, beta; not moving statistics). */
  params: number;
}

/** What is trainable in a model: per layer, the totals, and whether `fit` would still use an older list. */
export interface TrainableReport {
  layers: LayerTrainability[];
  /** Names of the trainable layers that own weights. */
  trainableLayers: string[];
  /** Names of the frozen layers that own weights. */
  frozenLayers: string[];
  /** Parameters an optimizer updates. */
  trainableParams: number;
  /** Parameters of frozen layers (moving statistics are never trainable and not counted here). */
  frozenParams: number;
  /**
   * True when the model is compiled and the weights `fit` would train (collected at the last `compile`)
   * differ from the trainable weights now: compile again (or call {@link freeze} with `recompile: true`).
   */
  needsRecompile: boolean;
}

const KERAS_BN = Symbol('tiefe.transfer.kerasBatchNorm');

type CallFn = (inputs: unknown, kwargs: Record<string, unknown>) => unknown;

/** Makes a BN layer run in inference mode while it is not trainable (Keras semantics); idempotent. */
function kerasBatchNorm(layer: tfl.layers.Layer): void {
  const l = layer as unknown as { call: CallFn; [KERAS_BN]?: true };
  if (l[KERAS_BN]) return;
  const call = l.call.bind(layer) as CallFn;
  l.call = (inputs, kwargs) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  l[KERAS_BN] = true;
}

/** The layer and, for a nested model, all layers inside it. */
function withInner(layer: tfl.layers.Layer): tfl.layers.Layer[] {
  const inner = (layer as unknown as { layers?: tfl.layers.Layer[] }).layers;
  return inner ? [layer, ...inner.flatMap(withInner)] : [layer];
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function collected(model: tfl.LayersModel): tfl.LayerVariable[] | undefined {
  return (model as unknown as { collectedTrainableWeights?: tfl.LayerVariable[] }).collectedTrainableWeights;
}

/** Reports which layers of `model` are trainable and whether the compiled training would see it. */
export function trainableReport(model: tfl.LayersModel): TrainableReport {
  const layers = model.layers.map((l, index) => ({
    index,
    name: l.name,
    trainable: l.trainable,
    // biome-ignore lint/suspicious/noExplicitAny: the layers' own weight list is private in the typings
    params: ((l as any)._trainableWeights as tfl.LayerVariable[]).reduce((s, w) => s + size(w.shape as number[]), 0),
  }));
  const owned = layers.filter((l) => l.params > 0);
  const now = model.trainableWeights.map((w) => w.name);
  const before = collected(model)?.map((w) => w.name);
  const needsRecompile =
    model.optimizer != null &&
    before !== undefined &&
    (before.length !== now.length || before.some((name, i) => name !== now[i]));
  return {
    layers,
    trainableLayers: owned.filter((l) => l.trainable).map((l) => l.name),
    frozenLayers: owned.filter((l) => !l.trainable).map((l) => l.name),
    trainableParams: model.trainableWeights.reduce((s, w) => s + size(w.shape as number[]), 0),
    frozenParams: owned.filter((l) => !l.trainable).reduce((s, l) => s + l.params, 0),
    needsRecompile,
  };
}

function setTrainable(
  fn: string,
  model: tfl.LayersModel,
  layers: LayerSelector,
  trainable: boolean,
  options: FreezeOptions | undefined,
): TrainableReport {
  const o = checkOptions(`${fn}: options`, options);
  const recompile = checkBoolean(`${fn}: recompile`, o.recompile ?? true);
  for (const i of selectLayers(model, layers, `${fn}: layers`)) {
    const layer = model.layers[i];
    for (const l of withInner(layer)) if (l.getClassName() === 'BatchNormalization') kerasBatchNorm(l);
    layer.trainable = trainable;
  }
  const report = trainableReport(model);
  if (recompile && report.needsRecompile) {
    model.compile({ optimizer: model.optimizer, loss: model.loss, metrics: model.metrics });
    return trainableReport(model);
  }
  return report;
}

/**
 * Freezes the selected layers (`trainable = false`): `fit`, `tf.variableGrads` and optimizers leave their
 * weights bit-identical, and frozen batch-norm layers run in inference mode (Keras' behaviour, see the module
 * note). A compiled model is compiled again with its own optimizer (its state kept), loss and metrics.
 *
 * @example
 * freeze(model, { to: 'pool2' }); // every layer up to and including 'pool2'
 * freeze(model, (layer) => layer.getClassName() === 'BatchNormalization');
 */
export function freeze(model: tfl.LayersModel, layers: LayerSelector, options?: FreezeOptions): TrainableReport {
  return setTrainable('freeze', model, layers, false, options);
}

/** Makes the selected layers trainable again; see {@link freeze}. */
export function unfreeze(model: tfl.LayersModel, layers: LayerSelector, options?: FreezeOptions): TrainableReport {
  return setTrainable('unfreeze', model, layers, true, options);
}
