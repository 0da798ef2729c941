import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { readLogs, type UnresolvedLogs } from './logs.js';

/** Options of {@link earlyStopping} (Keras 3 `EarlyStopping` semantics). */
export interface EarlyStoppingOptions {
  /** Log key to watch, e.g. `'val_loss'` (default), `'val_acc'`, `'loss'`. */
  monitor?: string;
  /** Epochs without improvement after which training stops. Default 0 (stop at the first non-improvement). */
  patience?: number;
  /**
   * Smallest change that counts as an improvement. Default 0. In `min` mode an epoch improves when
   * `value + minDelta < best`, in `max` mode when `value - minDelta > best`.
   */
  minDelta?: number;
  /** `'min'`, `'max'`, or `'auto'` (default): `max` when `monitor` names an accuracy or AUC, else `min`. */
  mode?: 'min' | 'max' | 'auto';
  /**
   * Restore the weights of the best epoch when training ends (whether it stopped early or ran out of
   * epochs, as in Keras 3). Default false. The copies are disposed at the end of training.
   */
  restoreBestWeights?: boolean;
  /**
   * A value the monitored quantity must beat: while it does not, improvements do not reset the patience
   * counter, so the first non-improving epoch with `wait >= patience` stops training. Default: none.
   */
  baseline?: number;
  /** Epochs to wait before watching at all (warm-up). Default 0. */
  startFromEpoch?: number;
  /** Print a line when stopping and when restoring. Default false. */
  verbose?: boolean;
}

/**
 * The callback behind {@link earlyStopping}. After `fit`, `stoppedEpoch` (0-based, -1 when it never stopped),
 * `bestEpoch` and `best` tell what happened.
 */
export class EarlyStoppingCallback extends tfl.Callback {
  /** The options after defaults were applied (mode resolved). */
  readonly options: Required<Omit<EarlyStoppingOptions, 'baseline' | 'mode'>> & {
    mode: 'min' | 'max';
    baseline?: number;
  };
  /** Best value seen (Infinity / -Infinity before the first epoch). */
  best = Number.POSITIVE_INFINITY;
  /** Epoch (0-based) that gave `best`; -1 before the first watched epoch. */
  bestEpoch = -1;
  /** Epoch (0-based) at which training was stopped; -1 if it was not. */
  stoppedEpoch = -1;
  /** Epochs since the last improvement (or since the baseline was last beaten). */
  wait = 0;
  private bestWeights: tf.Tensor[] | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const monitor = options.monitor ?? 'val_loss';
    const { patience = 0, minDelta = 0, restoreBestWeights = false, startFromEpoch = 0, verbose = false } = options;
    if (!Number.isInteger(patience) || patience < 0)
      throw new InputError('earlyStopping: patience', 'an integer >= 0', String(patience));
    if (!Number.isFinite(minDelta))
      throw new InputError('earlyStopping: minDelta', 'a finite number', String(minDelta));
    if (!Number.isInteger(startFromEpoch) || startFromEpoch < 0) {
      throw new InputError('earlyStopping: startFromEpoch', 'an integer >= 0', String(startFromEpoch));
    }
    const mode = options.mode ?? 'auto';
    if (!['min', 'max', 'auto'].includes(mode))
      throw new InputError('earlyStopping: mode', "'min', 'max' or 'auto'", String(mode));
    const resolved =
      mode === 'auto' ? (/(^|_)(acc|accuracy|auc|precision|recall|f1)/i.test(monitor) ? 'max' : 'min') : mode;
    if (options.baseline !== undefined && !Number.isFinite(options.baseline)) {
      throw new InputError('earlyStopping: baseline', 'a finite number', String(options.baseline));
    }
    this.options = {
      monitor,
      patience,
      minDelta: Math.abs(minDelta),
      mode: resolved,
      restoreBestWeights,
      baseline: options.baseline,
      startFromEpoch,
      verbose,
    };
  }

  private improves(value: number, reference: number): boolean {
    const d = this.options.minDelta;
    return this.options.mode === 'min' ? value + d < reference : value - d > reference;
  }

  private snapshot(): void {
    this.disposeBest();
    // getWeights() returns the variables themselves; clone so later updates do not change the copy.
    this.bestWeights = tf.tidy(() => this.model.getWeights().map((w) => w.clone()));
  }

  private disposeBest(): void {
    if (this.bestWeights) tf.dispose(this.bestWeights);
    this.bestWeights = null;
  }

  override async onTrainBegin(): Promise<void> {
    this.disposeBest();
    this.wait = 0;
    this.stoppedEpoch = -1;
    this.bestEpoch = -1;
    this.best = this.options.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    const values = await readLogs(logs);
    const value = values[this.options.monitor];
    if (value === undefined) {
      const known = Object.keys(values).join(', ') || 'none';
      throw new InputError(
        'earlyStopping: monitor',
        `a key of the epoch logs (${known}); val_* keys need validationData or validationSplit`,
        `'${this.options.monitor}'`,
      );
    }
    if (epoch < this.options.startFromEpoch) return;
    this.wait++;
    // NaN compares false, so a diverged epoch never improves and counts against patience.
    if (this.improves(value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      if (this.options.restoreBestWeights) this.snapshot();
      const { baseline } = this.options;
      if (baseline === undefined || this.improves(value, baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.options.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
      if (this.options.verbose) console.log(`Epoch ${epoch + 1}: early stopping`);
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (this.options.restoreBestWeights && this.bestWeights) {
      if (this.options.verbose)
        console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}`);
      this.model.setWeights(this.bestWeights);
    }
    this.disposeBest();
  }
}

/**
 * Stops training when a monitored quantity stops improving, like Keras' `EarlyStopping` (tfjs has one, but
 * without `restoreBestWeights`, `baseline` or `startFromEpoch`).
 *
 * Each epoch: `wait += 1`; if the value improves on the best so far (by more than `minDelta`) it becomes
 * the best (and its weights are copied when `restoreBestWeights`), and `wait` resets to 0 unless a
 * `baseline` is set and not beaten. Training stops (`model.stopTraining = true`) once `wait >= patience`.
 * So with `patience: 2`, the best epoch is followed by exactly 2 worse epochs before the stop.
 *
 * @example
 * const stop = earlyStopping({ monitor: 'val_loss', patience: 3, restoreBestWeights: true });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [stop] });
 * stop.bestEpoch; // the weights of this epoch are in the model now
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): EarlyStoppingCallback {
  return new EarlyStoppingCallback(options);
}
