import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOneOf, checkOptions, InputError } from '@tiefe/core';
import { setLearningRate } from './learningRate.js';

/** A learning-rate schedule: the rate for step (or epoch) `t`, counted from 0. */
export type Schedule = (t: number) => number;

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** The rate reached at the end of the warm-up. */
  peak: number;
  /** Steps of linear warm-up from `peak / warmup` to `peak` (default 0). */
  warmup?: number;
  /** Total steps; after them the rate stays at `final`. */
  total: number;
  /** The rate at the end of the cosine (default 0). */
  final?: number;
}

/**
 * Linear warm-up then cosine decay (Loshchilov & Hutter's SGDR without restarts, as in Keras'
 * `CosineDecay(warmup_steps)`): `peak (t + 1) / warmup` for `t < warmup`, then
 * `final + (peak - final) (1 + cos(pi (t - warmup) / (total - warmup))) / 2`, and `final` from `total` on.
 */
export function warmupCosine(options: WarmupCosineOptions): Schedule {
  const o = checkOptions('warmupCosine: options', options);
  const peak = checkNumber('warmupCosine: peak', o.peak, 0);
  const warmup = checkInt('warmupCosine: warmup', o.warmup ?? 0, 0);
  const total = checkInt('warmupCosine: total', o.total, warmup + 1);
  const final = checkNumber('warmupCosine: final', o.final ?? 0, 0, peak);
  return (t) => {
    if (t < warmup) return (peak * (t + 1)) / warmup;
    if (t >= total) return final;
    return final + ((peak - final) * (1 + Math.cos((Math.PI * (t - warmup)) / (total - warmup)))) / 2;
  };
}

/** Options of {@link stepDecay}. */
export interface StepDecayOptions {
  /** The rate at t = 0. */
  initial: number;
  /** Factor applied every `every` steps (default 0.1). */
  factor?: number;
  /** Steps (or epochs) between drops. */
  every: number;
}

/** Step decay: `initial * factor ^ floor(t / every)`. */
export function stepDecay(options: StepDecayOptions): Schedule {
  const o = checkOptions('stepDecay: options', options);
  const initial = checkNumber('stepDecay: initial', o.initial, 0);
  const factor = checkNumber('stepDecay: factor', o.factor ?? 0.1, 0, 1);
  const every = checkInt('stepDecay: every', o.every);
  return (t) => initial * factor ** Math.floor(t / every);
}

/**
 * A callback that sets the model optimizer's rate from `schedule` before each batch (`per: 'batch'`, default;
 * t counts batches over all epochs) or each epoch (`per: 'epoch'`). `rates` records what was set.
 */
export class LearningRateScheduler extends tfl.Callback {
  /** The rates set, in order. */
  readonly rates: number[] = [];
  private step = 0;

  constructor(
    readonly schedule: Schedule,
    readonly per: 'batch' | 'epoch',
  ) {
    super();
  }

  private apply(t: number): void {
    const lr = this.schedule(t);
    if (!Number.isFinite(lr) || lr < 0) {
      throw new InputError(
        'learningRateScheduler: schedule',
        'rates that are finite numbers >= 0',
        `${lr} at t = ${t}`,
      );
    }
    setLearningRate(this.model.optimizer, lr);
    this.rates.push(lr);
  }

  override async onTrainBegin(): Promise<void> {
    this.step = 0;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    if (this.per === 'epoch') this.apply(epoch);
  }

  override async onBatchBegin(): Promise<void> {
    if (this.per === 'batch') this.apply(this.step++);
  }
}

/** {@link LearningRateScheduler} for `model.fit({ callbacks })`. */
export function learningRateScheduler(
  schedule: Schedule,
  options: { per?: 'batch' | 'epoch' } = {},
): LearningRateScheduler {
  if (typeof schedule !== 'function') {
    throw new InputError('learningRateScheduler: schedule', 'a function (t) => rate', typeof schedule);
  }
  const per = checkOneOf('learningRateScheduler: per', options.per ?? 'batch', ['batch', 'epoch'] as const);
  return new LearningRateScheduler(schedule, per);
}
