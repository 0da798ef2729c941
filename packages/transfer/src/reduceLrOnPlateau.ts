import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkNumber, checkOneOf, checkOptions, InputError } from '@tiefe/core';
import { getLearningRate, setLearningRate } from './learningRate.js';

/** Options of {@link reduceLrOnPlateau} (Keras' `ReduceLROnPlateau`, with its defaults). */
export interface ReduceLrOnPlateauOptions {
  /** Log key to watch (default `'val_loss'`). */
  monitor?: string;
  /** Factor on the rate at a plateau, in (0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before the rate drops (default 10). */
  patience?: number;
  /** `'min'`, `'max'` or `'auto'` (default: `max` for accuracy-like keys). */
  mode?: 'min' | 'max' | 'auto';
  /** Smallest change that counts as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs after a drop during which nothing is counted (default 0). */
  cooldown?: number;
  /** The rate never goes below this (default 0). */
  minLr?: number;
}

/**
 * The callback behind {@link reduceLrOnPlateau}. At each epoch's end, exactly as Keras: during cooldown the
 * counter ticks down and `wait` is reset; an improvement (`value < best - minDelta` in min mode) becomes the
 * best and resets `wait`; otherwise, outside cooldown, `wait` grows and when it reaches `patience` the rate
 * becomes `max(lr * factor, minLr)` (if above `minLr`), cooldown starts and `wait` resets.
 */
export class ReduceLrOnPlateau extends tfl.Callback {
  readonly options: Required<Omit<ReduceLrOnPlateauOptions, 'mode'>> & { mode: 'min' | 'max' };
  best = Number.POSITIVE_INFINITY;
  wait = 0;
  cooldownCounter = 0;
  /** The rate at the end of each epoch (after any reduction). */
  readonly rates: number[] = [];

  constructor(options: ReduceLrOnPlateauOptions = {}) {
    super();
    const o = checkOptions('reduceLrOnPlateau: options', options);
    const monitor = o.monitor ?? 'val_loss';
    if (typeof monitor !== 'string') throw new InputError('reduceLrOnPlateau: monitor', 'a log key', String(monitor));
    const factor = checkNumber('reduceLrOnPlateau: factor', o.factor ?? 0.1, 0, 1);
    if (factor === 0 || factor === 1)
      throw new InputError('reduceLrOnPlateau: factor', 'a number in (0, 1)', String(factor));
    const mode = checkOneOf('reduceLrOnPlateau: mode', o.mode ?? 'auto', ['min', 'max', 'auto'] as const);
    this.options = {
      monitor,
      factor,
      patience: checkInt('reduceLrOnPlateau: patience', o.patience ?? 10, 0),
      mode: mode === 'auto' ? (/(^|_)(acc|accuracy|auc)/i.test(monitor) ? 'max' : 'min') : mode,
      minDelta: Math.abs(checkNumber('reduceLrOnPlateau: minDelta', o.minDelta ?? 1e-4)),
      cooldown: checkInt('reduceLrOnPlateau: cooldown', o.cooldown ?? 0, 0),
      minLr: checkNumber('reduceLrOnPlateau: minLr', o.minLr ?? 0, 0),
    };
  }

  private improves(value: number): boolean {
    const d = this.options.minDelta;
    return this.options.mode === 'min' ? value < this.best - d : value > this.best + d;
  }

  override async onTrainBegin(): Promise<void> {
    this.best = this.options.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    this.wait = 0;
    this.cooldownCounter = 0;
  }

  override async onEpochEnd(_epoch: number, logs?: tfl.Logs): Promise<void> {
    const raw = logs?.[this.options.monitor];
    if (raw === undefined) {
      throw new InputError(
        'reduceLrOnPlateau: monitor',
        `a key of the epoch logs (${Object.keys(logs ?? {}).join(', ') || 'none'})`,
        `'${this.options.monitor}'`,
      );
    }
    const value =
      typeof raw === 'number' ? raw : (await (raw as unknown as { data(): Promise<Float32Array> }).data())[0];
    const optimizer = this.model.optimizer;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.wait = 0;
    }
    if (this.improves(value)) {
      this.best = value;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait++;
      if (this.wait >= this.options.patience) {
        const old = getLearningRate(optimizer);
        if (old > Math.fround(this.options.minLr)) {
          setLearningRate(optimizer, Math.max(old * this.options.factor, this.options.minLr));
          this.cooldownCounter = this.options.cooldown;
          this.wait = 0;
        }
      }
    }
    this.rates.push(getLearningRate(optimizer));
  }
}

/**
 * Lowers the learning rate when a monitored quantity stops improving, with Keras' semantics (monitor, factor,
 * patience, mode, minDelta, cooldown, minLr). A NaN value never improves, so a diverging run lowers the rate.
 *
 * @example
 * await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [reduceLrOnPlateau({ patience: 3, factor: 0.5 })] });
 */
export function reduceLrOnPlateau(options: ReduceLrOnPlateauOptions = {}): ReduceLrOnPlateau {
  return new ReduceLrOnPlateau(options);
}
