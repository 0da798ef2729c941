import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkNumber, describeValue, InputError, TiefeError } from '@tiefe/core';
import { type LayerSelector, selectLayers } from './selectLayers.js';

/** A named gradient or weight, as tfjs optimizers take them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** A rate's owner: anything {@link setLearningRate} can change. */
interface WithRate {
  learningRate?: number;
  setLearningRate?: (lr: number) => void;
}

/** The learning rate an optimizer uses now (tfjs optimizers keep it in `learningRate`). */
export function getLearningRate(optimizer: tf.Optimizer): number {
  const lr = (optimizer as unknown as WithRate).learningRate;
  if (typeof lr !== 'number') {
    throw new InputError(
      'getLearningRate: optimizer',
      'a tfjs optimizer with a learningRate',
      describeValue(optimizer),
    );
  }
  return lr;
}

/**
 * Sets the learning rate of a tfjs optimizer in place, for its next update: SGD and momentum keep a cached
 * tensor that `setLearningRate` refreshes; Adam, Adamax, RMSProp, Adagrad and Adadelta read `learningRate` at
 * every update; a {@link LayerwiseOptimizer} sets each group's rate to `lr * multiplier`.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  checkNumber('setLearningRate: lr', lr, 0);
  getLearningRate(optimizer);
  const o = optimizer as unknown as WithRate;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** A group of {@link layerwiseOptimizer}: the selected layers' weights learn at `multiplier` times the rate. */
export interface RateGroup {
  layers: LayerSelector;
  /** Factor on the base rate, >= 0; 0 leaves the weights unchanged (as frozen, but BN still trains). */
  multiplier: number;
}

/** Options of {@link layerwiseOptimizer}. */
export interface LayerwiseOptions {
  /** The model whose layers the groups select. */
  model: tfl.LayersModel;
  /** Makes the optimizer of one group from its rate, e.g. `(lr) => tf.train.adam(lr)`. */
  optimizer: (learningRate: number) => tf.Optimizer;
  /** The base rate; layers in no group learn at it (multiplier 1). */
  learningRate: number;
  /** Groups with their multipliers; a layer in several groups takes the last one's. */
  groups: RateGroup[];
}

/**
 * An optimizer with one learning rate per group of layers (discriminative fine-tuning: lower rates for the
 * early, general layers). tfjs optimizers take a single rate, and scaling gradients only equals scaling the
 * rate for plain SGD (Adam divides the scale out again), so this one routes each variable to an optimizer of
 * its own group, made by `optimizer(learningRate * multiplier)`: the update rule of every group is exactly
 * that optimizer's. Use it in `model.compile({ optimizer })` or in a custom loop (`applyGradients`).
 * Saving it with the model (`includeOptimizer`) is not supported.
 */
export class LayerwiseOptimizer extends tf.Optimizer {
  static className = 'TiefeLayerwiseOptimizer';
  /** The base rate. */
  learningRate: number;
  /** Multiplier of each variable (by name) that is in a group. */
  readonly multipliers: ReadonlyMap<string, number>;
  private readonly inner = new Map<number, tf.Optimizer>();

  constructor(
    private readonly make: (learningRate: number) => tf.Optimizer,
    learningRate: number,
    multipliers: Map<string, number>,
  ) {
    super();
    this.learningRate = checkNumber('layerwiseOptimizer: learningRate', learningRate, 0);
    this.multipliers = multipliers;
  }

  private groupOptimizer(multiplier: number): tf.Optimizer {
    let opt = this.inner.get(multiplier);
    if (!opt) {
      opt = this.make(this.learningRate * multiplier);
      if (!(opt instanceof tf.Optimizer)) {
        throw new InputError(
          'layerwiseOptimizer: optimizer',
          'a function returning a tf.Optimizer',
          describeValue(opt),
        );
      }
      this.inner.set(multiplier, opt);
    }
    return opt;
  }

  /** Sets the base rate; every group's optimizer gets `lr * multiplier`. */
  setLearningRate(lr: number): void {
    this.learningRate = checkNumber('setLearningRate: lr', lr, 0);
    for (const [m, opt] of this.inner) setLearningRate(opt, lr * m);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list: NamedTensor[] = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const byGroup = new Map<number, NamedTensor[]>();
    for (const g of list) {
      const m = this.multipliers.get(g.name) ?? 1;
      if (m === 0) continue;
      if (!byGroup.has(m)) byGroup.set(m, []);
      byGroup.get(m)?.push(g);
    }
    for (const [m, grads] of byGroup) this.groupOptimizer(m).applyGradients(grads);
    this.incrementIterations();
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, multipliers: Object.fromEntries(this.multipliers) };
  }

  override async getWeights(): Promise<NamedTensor[]> {
    throw new TiefeError('LayerwiseOptimizer: saving the optimizer state (includeOptimizer) is not supported');
  }

  override dispose(): void {
    for (const opt of this.inner.values()) opt.dispose();
    this.inner.clear();
    super.dispose();
  }
}

/**
 * A {@link LayerwiseOptimizer} for `model`: its groups' layers learn at `learningRate * multiplier`.
 *
 * @example
 * const opt = layerwiseOptimizer({
 *   model, optimizer: (lr) => tf.train.adam(lr), learningRate: 1e-3,
 *   groups: [{ layers: { to: 'pool1' }, multiplier: 0.01 }, { layers: { from: 'conv3', to: 'pool2' }, multiplier: 0.1 }],
 * });
 * model.compile({ optimizer: opt, loss: 'categoricalCrossentropy' });
 */
export function layerwiseOptimizer(options: LayerwiseOptions): LayerwiseOptimizer {
  if (typeof options?.optimizer !== 'function') {
    throw new InputError(
      'layerwiseOptimizer: optimizer',
      'a function (lr) => tf.Optimizer',
      describeValue(options?.optimizer),
    );
  }
  const multipliers = new Map<string, number>();
  if (!Array.isArray(options.groups)) {
    throw new InputError(
      'layerwiseOptimizer: groups',
      'an array of { layers, multiplier }',
      describeValue(options.groups),
    );
  }
  options.groups.forEach((g, i) => {
    const m = checkNumber(`layerwiseOptimizer: groups[${i}].multiplier`, g.multiplier, 0);
    for (const index of selectLayers(options.model, g.layers, `layerwiseOptimizer: groups[${i}].layers`)) {
      for (const w of options.model.layers[index].weights) multipliers.set((w.read() as tf.Variable).name, m);
    }
  });
  return new LayerwiseOptimizer(options.optimizer, options.learningRate, multipliers);
}
