/**
 * The training curves of part 3: the mean training loss and accuracy of every `every` batches, and each epoch's
 * training and validation numbers, recorded by a `model.fit` callback.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt } from '@tiefe/core';

/** One point of a curve; `epoch` is fractional for batch points (1.5: half-way through the second epoch). */
export interface CurvePoint {
  epoch: number;
  loss: number;
  accuracy: number;
}

/** One finished epoch (1-based), with the validation split's numbers. */
export interface EpochPoint extends CurvePoint {
  valLoss: number;
  valAccuracy: number;
}

/** What {@link HistoryCallback} records. */
export interface TrainingHistory {
  /** Mean over each group of `every` batches (the last group of an epoch may be shorter). */
  batches: CurvePoint[];
  epochs: EpochPoint[];
}

type Logs = Record<string, number | tf.Scalar>;

async function read(v: number | tf.Scalar | undefined): Promise<number> {
  if (v === undefined) return Number.NaN;
  return typeof v === 'number' ? v : (await v.data())[0];
}

/**
 * Records {@link TrainingHistory}. Batch losses are summed on the device and read once every `every` batches
 * (reading each one would stall the WebGPU queue).
 */
export class HistoryCallback extends tfl.Callback {
  readonly history: TrainingHistory = { batches: [], epochs: [] };
  private readonly every: number;
  private sums: { loss: tf.Scalar | number; acc: tf.Scalar | number; count: number } = { loss: 0, acc: 0, count: 0 };
  private epoch = 0;

  /** @param every batches per point of the batch curve (>= 1). */
  constructor(every: number) {
    super();
    this.every = checkInt('HistoryCallback: every', every);
  }

  private get batchesPerEpoch(): number {
    const { samples, batchSize, steps } = (this.params ?? {}) as Record<string, number>;
    if (steps > 0) return steps;
    return Math.ceil(samples / batchSize);
  }

  private add(key: 'loss' | 'acc', v: number | tf.Scalar | undefined): void {
    if (v === undefined) return;
    const prev = this.sums[key];
    const next = typeof v === 'number' && typeof prev === 'number' ? prev + v : tf.tidy(() => tf.add(prev, v));
    if (typeof prev !== 'number') prev.dispose();
    this.sums[key] = next as tf.Scalar | number;
  }

  private async flush(batchesDone: number): Promise<void> {
    const { loss, acc, count } = this.sums;
    if (count === 0) return;
    const [l, a] = await Promise.all([read(loss as tf.Scalar | number), read(acc as tf.Scalar | number)]);
    tf.dispose([loss, acc].filter((v): v is tf.Scalar => typeof v !== 'number'));
    this.sums = { loss: 0, acc: 0, count: 0 };
    this.history.batches.push({
      epoch: this.epoch + batchesDone / this.batchesPerEpoch,
      loss: l / count,
      accuracy: a / count,
    });
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }

  override async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    this.add('loss', logs?.loss);
    this.add('acc', logs?.acc);
    this.sums.count++;
    if ((batch + 1) % this.every === 0 || batch + 1 === this.batchesPerEpoch) await this.flush(batch + 1);
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    await this.flush(this.batchesPerEpoch);
    const [loss, accuracy, valLoss, valAccuracy] = await Promise.all(
      [logs?.loss, logs?.acc, logs?.val_loss, logs?.val_acc].map(read),
    );
    this.history.epochs.push({ epoch: epoch + 1, loss, accuracy, valLoss, valAccuracy });
  }

  override async onTrainEnd(): Promise<void> {
    tf.dispose([this.sums.loss, this.sums.acc].filter((v): v is tf.Scalar => typeof v !== 'number'));
    this.sums = { loss: 0, acc: 0, count: 0 };
  }
}
