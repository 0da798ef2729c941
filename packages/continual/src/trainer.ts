import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  createRng,
  describeValue,
  InputError,
  type Rng,
} from '@tiefe/core';
import { TrainingDivergedError } from '@tiefe/generative';
import { checkExperience, type Experience, type Scenario } from './experience.js';
import type { AccuracyMatrix } from './metrics/accuracyMatrix.js';

/** Rows to train on: inputs `[n, features]`, float32 targets `[n]`, int32 task ids `[n]` (the head of each row). */
export interface Batch {
  x: tf.Tensor2D;
  y: tf.Tensor1D;
  taskIds: tf.Tensor1D;
}

/**
 * What a plugin sees: the model and its variables, the experience being trained, and the loop's own pieces
 * (forward pass with head selection, the plain loss, its gradients), so that a strategy needs no copy of them.
 */
export interface TrainContext {
  model: tfl.LayersModel;
  /** The model's trainable variables, the ones every step updates (and every regulariser reads). */
  variables: tf.Variable[];
  /** The experience being trained (during `train`), else the last one trained. */
  experience: Experience | undefined;
  /** Experiences trained so far (before the current one, during `train`). */
  trained: number;
  /** Heads of the model (1 for single-head). */
  heads: number;
  /** Outputs per head. */
  outputs: number;
  batchSize: number;
  /** The trainer's seeded generator (shuffling, buffer sampling). */
  rng: Rng;
  /** Logits of the head each row's task id selects, `[n, outputs]`. `model` defaults to the trained one. */
  logits(x: tf.Tensor2D, taskIds: tf.Tensor1D, model?: tfl.LayersModel, training?: boolean): tf.Tensor2D;
  /** The plain loss: mean softmax cross-entropy of the selected heads' logits against the targets. */
  loss(batch: Batch): tf.Scalar;
  /** Gradients of {@link TrainContext.loss} with respect to `variables`, keyed by variable name. */
  gradients(batch: Batch): tf.NamedTensorMap;
}

/**
 * A strategy or a part of one: an object with optional hooks around the one training loop (Avalanche's
 * `SupervisedTemplate` plugins). Every hook may be async. Tensors a hook returns are owned by the loop from then
 * on (it disposes them); a plugin disposes what it keeps in `dispose`.
 */
export interface Plugin {
  /** A short name for tables and errors. */
  name: string;
  /** Before the epochs of an experience. */
  beforeTraining?(ctx: TrainContext): void | Promise<void>;
  /** Replaces the experience's training rows (cumulative, joint); `null` skips training this experience. */
  adaptExperience?(data: Batch, ctx: TrainContext): Batch | null | Promise<Batch | null>;
  /** Replaces a minibatch before the step (replay adds stored or generated rows). */
  adaptBatch?(batch: Batch, ctx: TrainContext): Batch | Promise<Batch>;
  /** A scalar added to the loss inside the gradient tape (EWC, SI, MAS, LwF). `batch` is the adapted batch. */
  penalty?(batch: Batch, ctx: TrainContext): tf.Scalar;
  /** Replaces the gradients before the optimizer applies them (A-GEM's projection). */
  adaptGradients?(
    grads: tf.NamedTensorMap,
    batch: Batch,
    ctx: TrainContext,
  ): tf.NamedTensorMap | Promise<tf.NamedTensorMap>;
  /** After the step: `batch` is the experience's own minibatch (before adaptBatch), `grads` the applied gradients. */
  afterBatch?(info: { batch: Batch; grads: tf.NamedTensorMap }, ctx: TrainContext): void | Promise<void>;
  /** After the epochs of an experience, with the experience's training rows (before adaptExperience). */
  afterTraining?(data: Batch, ctx: TrainContext): void | Promise<void>;
  /** Predicted targets `[n]` (int32) instead of the argmax of the logits (iCaRL's nearest mean); `null` to pass. */
  predict?(x: tf.Tensor2D, taskIds: tf.Tensor1D, ctx: TrainContext): tf.Tensor1D | null | Promise<tf.Tensor1D | null>;
  /** Frees what the plugin keeps. */
  dispose?(): void;
}

/** Options of {@link ContinualTrainer}. */
export interface ContinualTrainerOptions {
  /** A model with one logit output, or one output per task for task-incremental learning (see `continualMlp`). */
  model: tfl.LayersModel;
  /** The strategy: plugins applied in order (default none: naive fine-tuning). */
  plugins?: Plugin[];
  /** Epochs per experience (default 1). */
  epochs?: number;
  /** Minibatch size (default 128, as van de Ven). */
  batchSize?: number;
  /** Learning rate (default 1e-3). */
  learningRate?: number;
  /** 'adam' (default; a fresh one per experience, as van de Ven) or 'sgd'. */
  optimizer?: 'adam' | 'sgd';
  /** Seed of shuffling and of the plugins' sampling (default 0). */
  seed?: number;
  /** Called after every experience of {@link ContinualTrainer.run} with the accuracies on the test stream. */
  onExperience?: (info: { experience: number; accuracies: number[]; seconds: number }) => void;
}

function disposeBatch(b: Batch, keep: readonly tf.Tensor[] = []): void {
  for (const t of [b.x, b.y, b.taskIds]) if (!keep.includes(t)) t.dispose();
}

/** Rows `idx` of a batch (new tensors). */
export function takeBatch(b: Batch, idx: number[] | Int32Array): Batch {
  return tf.tidy(() => {
    const i = tf.tensor1d(Int32Array.from(idx), 'int32');
    return {
      x: tf.gather(b.x, i) as tf.Tensor2D,
      y: tf.gather(b.y, i) as tf.Tensor1D,
      taskIds: tf.gather(b.taskIds, i) as tf.Tensor1D,
    };
  });
}

/** Rows of several batches one after the other (new tensors). */
export function concatBatches(parts: Batch[]): Batch {
  return tf.tidy(() => ({
    x: tf.concat(parts.map((p) => p.x)) as tf.Tensor2D,
    y: tf.concat(parts.map((p) => p.y)) as tf.Tensor1D,
    taskIds: tf.concat(parts.map((p) => p.taskIds)) as tf.Tensor1D,
  }));
}

/** Copies of a batch's tensors (for plugins that keep rows past the step). */
export function cloneBatch(b: Batch): Batch {
  return { x: tf.clone(b.x), y: tf.clone(b.y), taskIds: tf.clone(b.taskIds) };
}

/**
 * The one training loop of continual learning (Avalanche's `SupervisedTemplate`): `train(experience)` runs
 * minibatch epochs on one experience with the plugins' hooks, `eval(experiences)` gives the accuracy on each,
 * `run(scenario)` does both over a whole stream and returns the accuracy matrix.
 *
 * @example
 * const trainer = new ContinualTrainer({ model: continualMlp({ outputs: 10 }), plugins: [ewc({ lambda: 1000 })] });
 * const result = await trainer.run(scenario); // result.matrix[i][j]: accuracy on j after training i
 */
export class ContinualTrainer {
  /** The model being trained. */
  readonly model: tfl.LayersModel;
  /** The strategy's plugins, in hook order. */
  readonly plugins: Plugin[];
  /** Epochs per experience. */
  readonly epochs: number;
  /** Minibatch size. */
  readonly batchSize: number;
  /** Learning rate of the optimizer made for each experience. */
  readonly learningRate: number;
  /** 'adam' or 'sgd'. */
  readonly optimizerKind: 'adam' | 'sgd';
  /** What the plugins see (also handy in tests: `trainer.ctx.gradients(batch)`). */
  readonly ctx: TrainContext;
  private readonly onExperience: ContinualTrainerOptions['onExperience'];

  constructor(options: ContinualTrainerOptions) {
    checkOptions('ContinualTrainer: options', options);
    const model = options.model as tfl.LayersModel | undefined;
    if (!model || typeof model !== 'object' || !Array.isArray(model.outputs))
      throw new InputError('ContinualTrainer: model', 'a tfjs-layers model', describeValue(model));
    const shapes = model.outputs.map((o) => o.shape);
    if (shapes.some((s) => s.length !== 2 || s[1] !== shapes[0][1]))
      throw new InputError(
        'ContinualTrainer: model',
        'outputs of shape [null, classes], the same for every head',
        describeValue(shapes),
      );
    this.model = model;
    this.plugins = options.plugins ?? [];
    if (
      !Array.isArray(this.plugins) ||
      this.plugins.some((p) => !p || typeof p !== 'object' || typeof p.name !== 'string')
    )
      throw new InputError(
        'ContinualTrainer: plugins',
        'an array of plugin objects with a name',
        describeValue(options.plugins),
      );
    this.epochs = checkInt('ContinualTrainer: epochs', options.epochs ?? 1);
    this.batchSize = checkInt('ContinualTrainer: batchSize', options.batchSize ?? 128);
    this.learningRate = checkNumber('ContinualTrainer: learningRate', options.learningRate ?? 1e-3, 1e-12);
    this.optimizerKind = checkOneOf('ContinualTrainer: optimizer', options.optimizer ?? 'adam', [
      'adam',
      'sgd',
    ] as const);
    this.onExperience = options.onExperience;
    const heads = model.outputs.length;
    const outputs = shapes[0][1] as number;
    const variables = model.trainableWeights.map((w) => (w as unknown as { read(): tf.Variable }).read());
    const logits = (x: tf.Tensor2D, taskIds: tf.Tensor1D, m = model, training = false): tf.Tensor2D =>
      tf.tidy(() => {
        const out = m.apply(x, { training }) as tf.Tensor2D | tf.Tensor2D[];
        if (!Array.isArray(out)) return out;
        if (out.length === 1) return out[0];
        // Every head runs (they are small); each row keeps the one its task id names.
        const mask = tf.expandDims(tf.oneHot(tf.cast(taskIds, 'int32'), out.length), 2);
        return tf.sum(tf.mul(tf.stack(out, 1), mask), 1) as tf.Tensor2D;
      });
    const loss = (b: Batch): tf.Scalar =>
      tf.tidy(() => {
        const z = logits(b.x, b.taskIds, model, true);
        const target = tf.oneHot(tf.cast(b.y, 'int32'), outputs);
        return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(z)), 1))) as tf.Scalar;
      });
    this.ctx = {
      model,
      variables,
      experience: undefined,
      trained: 0,
      heads,
      outputs,
      batchSize: this.batchSize,
      rng: createRng(checkInt('ContinualTrainer: seed', options.seed ?? 0, 0)),
      logits,
      loss,
      gradients: (b) => {
        const { value, grads } = tf.variableGrads(() => loss(b), variables);
        value.dispose();
        return grads;
      },
    };
  }

  /** Checks the experience against the model and gives its rows as a batch (task ids made here). */
  private async rows(fn: string, e: Experience): Promise<Batch> {
    checkExperience(`${fn}: experience`, e);
    if (e.taskId >= this.ctx.heads)
      throw new InputError(
        `${fn}: experience.taskId`,
        this.ctx.heads === 1
          ? 'task id 0 for a single-head model (a multi-head model for task-incremental learning)'
          : `a task id below the model's ${this.ctx.heads} heads`,
        String(e.taskId),
      );
    const features = this.model.inputs[0].shape[1];
    if (e.x.shape[1] !== features)
      throw new InputError(`${fn}: experience.x`, `${features} features per row`, `shape [${e.x.shape}]`);
    const y = await e.y.data();
    for (let i = 0; i < y.length; i++)
      if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= this.ctx.outputs)
        throw new InputError(
          `${fn}: experience.y`,
          `whole targets in [0, ${this.ctx.outputs}) (the model's outputs)`,
          `${y[i]} at row ${i}`,
        );
    return { x: e.x, y: e.y, taskIds: tf.fill([e.x.shape[0]], e.taskId, 'int32') as tf.Tensor1D };
  }

  /** Trains on one experience: `epochs` passes of shuffled minibatches with every plugin's hooks. */
  async train(experience: Experience): Promise<void> {
    const own = await this.rows('ContinualTrainer.train', experience);
    const ctx = this.ctx;
    ctx.experience = experience;
    const keep = [experience.x, experience.y];
    let data: Batch | null = own;
    try {
      for (const p of this.plugins) await p.beforeTraining?.(ctx);
      for (const p of this.plugins) {
        if (!p.adaptExperience || data === null) continue;
        const next: Batch | null = await p.adaptExperience(data, ctx);
        if (data !== own && data !== next) disposeBatch(data, next ? [next.x, next.y, next.taskIds] : []);
        data = next;
      }
      if (data !== null) await this.epochsOn(data);
      for (const p of this.plugins) await p.afterTraining?.(own, ctx);
    } finally {
      if (data && data !== own) disposeBatch(data, [...keep, own.taskIds]);
      disposeBatch(own, keep);
      ctx.trained++;
    }
  }

  private async epochsOn(data: Batch): Promise<void> {
    const ctx = this.ctx;
    const n = data.x.shape[0];
    const optimizer: tf.Optimizer =
      this.optimizerKind === 'adam' ? tf.train.adam(this.learningRate) : tf.train.sgd(this.learningRate);
    let step = 0;
    try {
      for (let epoch = 0; epoch < this.epochs; epoch++) {
        const order = ctx.rng.shuffle(Array.from({ length: n }, (_, i) => i)) as number[];
        for (let start = 0; start < n; start += this.batchSize) {
          const own = takeBatch(data, order.slice(start, start + this.batchSize));
          const made = new Set<tf.Tensor>([own.x, own.y, own.taskIds]);
          let batch = own;
          let grads: tf.NamedTensorMap = {};
          try {
            for (const p of this.plugins) {
              if (!p.adaptBatch) continue;
              batch = await p.adaptBatch(batch, ctx);
              for (const t of [batch.x, batch.y, batch.taskIds]) made.add(t);
            }
            const b = batch;
            const { value, grads: g } = tf.variableGrads(
              () =>
                tf.tidy(() => {
                  let total = ctx.loss(b);
                  for (const p of this.plugins) if (p.penalty) total = tf.add(total, p.penalty(b, ctx));
                  return total as tf.Scalar;
                }),
              ctx.variables,
            );
            grads = g;
            const v = (await value.data())[0];
            value.dispose();
            if (!Number.isFinite(v)) throw new TrainingDivergedError('continual loss', step, v);
            for (const p of this.plugins) {
              if (!p.adaptGradients) continue;
              const next = await p.adaptGradients(grads, b, ctx);
              if (next !== grads) tf.dispose(Object.values(grads).filter((t) => !Object.values(next).includes(t)));
              grads = next;
            }
            optimizer.applyGradients(grads);
            for (const p of this.plugins) await p.afterBatch?.({ batch: own, grads }, ctx);
          } finally {
            tf.dispose(Object.values(grads));
            tf.dispose([...made]);
          }
          step++;
        }
      }
    } finally {
      optimizer.dispose();
    }
  }

  /** Predicted targets `[n]` (int32) for rows of the given task ids: a plugin's `predict`, else the argmax of the logits. */
  async predict(x: tf.Tensor2D, taskIds: tf.Tensor1D): Promise<tf.Tensor1D> {
    for (const p of this.plugins) {
      const got = await p.predict?.(x, taskIds, this.ctx);
      if (got) return got;
    }
    return tf.tidy(() => tf.argMax(this.ctx.logits(x, taskIds), 1) as tf.Tensor1D);
  }

  /** Accuracy on each experience (a number in [0, 1] per experience), in batches of 1,000 rows. */
  async eval(experiences: Experience[]): Promise<number[]> {
    if (!Array.isArray(experiences))
      throw new InputError('ContinualTrainer.eval: experiences', 'an array of experiences', describeValue(experiences));
    const out: number[] = [];
    for (const e of experiences) {
      const all = await this.rows('ContinualTrainer.eval', e);
      try {
        let correct = 0;
        const n = e.x.shape[0];
        for (let s = 0; s < n; s += 1000) {
          const size = Math.min(1000, n - s);
          const x = tf.slice(all.x, [s, 0], [size, -1]) as tf.Tensor2D;
          const t = tf.slice(all.taskIds, [s], [size]) as tf.Tensor1D;
          const pred = await this.predict(x, t);
          const hits = tf.tidy(() =>
            tf.sum(tf.cast(tf.equal(tf.cast(pred, 'int32'), tf.cast(tf.slice(all.y, [s], [size]), 'int32')), 'int32')),
          );
          correct += (await hits.data())[0];
          tf.dispose([x, t, pred, hits]);
        }
        out.push(correct / n);
      } finally {
        all.taskIds.dispose();
      }
    }
    return out;
  }

  /**
   * Trains on every training experience of `scenario` in order and evaluates the whole test stream before the
   * first (for forward transfer) and after each: `matrix[i][j]` is the accuracy on test experience j after
   * training experience i.
   */
  async run(scenario: Scenario): Promise<AccuracyMatrix> {
    checkOptions('ContinualTrainer.run: scenario', scenario);
    const initial = await this.eval(scenario.test);
    const matrix: number[][] = [];
    for (let i = 0; i < scenario.train.length; i++) {
      const t0 = performance.now();
      await this.train(scenario.train[i]);
      const accuracies = await this.eval(scenario.test);
      matrix.push(accuracies);
      this.onExperience?.({ experience: i, accuracies, seconds: (performance.now() - t0) / 1000 });
    }
    return { matrix, initial };
  }

  /** Disposes every plugin's state (not the model). */
  dispose(): void {
    for (const p of this.plugins) p.dispose?.();
  }
}
