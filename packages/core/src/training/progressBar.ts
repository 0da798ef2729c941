import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../errors.js';
import { readLogs, type UnresolvedLogs } from './logs.js';

/** Where {@link progressBar} writes: `process.stdout`, a file stream, or anything with `write`. */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for a terminal: one bar is redrawn in place with `\r`. Otherwise plain lines are written. */
  isTTY?: boolean;
  /** Terminal width; longer lines are cut to `columns - 1` so `\r` keeps working. */
  columns?: number;
}

/** What {@link ProgressBarOptions.onProgress} receives (e.g. to drive a progress bar in a web page). */
export interface ProgressEvent {
  /** `batch`: during an epoch (throttled by `refreshMs`); `epoch`: an epoch ended; `end`: training ended. */
  type: 'batch' | 'epoch' | 'end';
  /** Epoch index, 0-based. */
  epoch: number;
  /** Total epochs of this `fit` call. */
  epochs: number;
  /** Batches done in this epoch. */
  batch: number;
  /** Batches per epoch, when known (always for `fit`; for `fitDataset` with `batchesPerEpoch` or after epoch 1). */
  batches?: number;
  /** `batch`: running means of loss and metrics over this epoch so far; `epoch`: the epoch's logs (with `val_*`). */
  logs: Record<string, number>;
  /** Milliseconds since the epoch (for `end`: training) began. */
  elapsedMs: number;
  /** Estimated milliseconds left in this epoch: `elapsed / batch * (batches - batch)`; undefined when unknown. */
  etaMs?: number;
  /** The text line this event renders (without `\r` or newline). */
  line: string;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Output stream. Default: `process.stdout` in Node, none in browsers. `null`: no output (hook only). */
  stream?: ProgressStream | null;
  /**
   * 0: no output (events only); 1 (default): a live bar on a TTY, one line per epoch otherwise;
   * 2: one line per epoch even on a TTY (like Keras `verbose=2`).
   */
  verbose?: 0 | 1 | 2;
  /** For plain-line output: also print a line every `every` batches. Default 0 (epoch lines only). */
  every?: number;
  /** Minimum milliseconds between two redraws of the TTY bar and two `batch` events. Default 100. */
  refreshMs?: number;
  /** Width of the bar in characters. Default 30. */
  width?: number;
  /** Called for every rendered batch, every epoch end, and at the end of training. */
  onProgress?: (event: ProgressEvent) => void;
  /** Clock in milliseconds (for tests). Default `performance.now`. */
  now?: () => number;
}

/** Formats a metric value with 4 decimals (exponent form for very large or small values). */
export function formatValue(v: number): string {
  const a = Math.abs(v);
  if (!Number.isFinite(v)) return String(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

/** Formats a duration: `850ms`, `12.3s`, `4:05`, `1:02:03`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

function defaultStream(): ProgressStream | null {
  const proc = (globalThis as { process?: { stdout?: ProgressStream } }).process;
  return proc?.stdout && typeof proc.stdout.write === 'function' ? proc.stdout : null;
}

function metricsText(logs: Record<string, number>): string {
  return Object.entries(logs)
    .map(([k, v]) => ` - ${k}: ${formatValue(v)}`)
    .join('');
}

/**
 * The callback behind {@link progressBar}: a `tf.Callback` for `model.fit` / `model.fitDataset`.
 *
 * Running means are accumulated on the device (`sum += value * batchSize`), so the loss is only read back
 * when a line is drawn, not after every batch (a read stalls the WebGPU queue).
 */
export class ProgressBarCallback extends tfl.Callback {
  private readonly stream: ProgressStream | null;
  private readonly verbose: 0 | 1 | 2;
  private readonly every: number;
  private readonly refreshMs: number;
  private readonly width: number;
  private readonly onProgress?: (event: ProgressEvent) => void;
  private readonly now: () => number;
  private sums = new Map<string, tf.Scalar | number>();
  private seen = 0;
  private batchesDone = 0;
  private epoch = 0;
  private epochStart = 0;
  private trainStart = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private learnedBatches?: number;
  private barOpen = false;

  constructor(options: ProgressBarOptions = {}) {
    super();
    const { verbose = 1, every = 0, refreshMs = 100, width = 30 } = options;
    if (![0, 1, 2].includes(verbose)) throw new InputError('progressBar: verbose', '0, 1 or 2', String(verbose));
    if (!Number.isInteger(every) || every < 0)
      throw new InputError('progressBar: every', 'an integer >= 0', String(every));
    if (!(refreshMs >= 0)) throw new InputError('progressBar: refreshMs', 'a number >= 0', String(refreshMs));
    if (!Number.isInteger(width) || width < 1)
      throw new InputError('progressBar: width', 'an integer >= 1', String(width));
    this.stream = options.stream === undefined ? defaultStream() : options.stream;
    this.verbose = verbose;
    this.every = every;
    this.refreshMs = refreshMs;
    this.width = width;
    this.onProgress = options.onProgress;
    this.now = options.now ?? (() => performance.now());
  }

  private get live(): boolean {
    return this.verbose === 1 && this.stream?.isTTY === true;
  }

  private get epochs(): number {
    return Number(this.params?.epochs ?? 1);
  }

  /** Batches per epoch: `steps`, else `ceil(samples / batchSize)`, else what the first epoch counted. */
  private get batches(): number | undefined {
    const p = this.params ?? {};
    if (typeof p.steps === 'number' && p.steps > 0) return p.steps;
    if (typeof p.samples === 'number' && typeof p.batchSize === 'number' && p.batchSize > 0) {
      return Math.ceil(p.samples / p.batchSize);
    }
    return this.learnedBatches;
  }

  private clearSums(): void {
    for (const v of this.sums.values()) if (typeof v !== 'number') v.dispose();
    this.sums.clear();
    this.seen = 0;
  }

  private write(text: string): void {
    if (this.verbose !== 0 && this.stream) this.stream.write(text);
  }

  private fit(line: string): string {
    const cols = this.stream?.columns;
    return cols && cols > 1 && line.length > cols - 1 ? line.slice(0, cols - 1) : line;
  }

  private bar(done: number, total: number | undefined): string {
    if (!total) return '';
    const filled = Math.min(this.width, Math.floor((done / total) * this.width));
    const head = filled < this.width ? '>' : '';
    return ` [${'='.repeat(filled)}${head}${'.'.repeat(Math.max(0, this.width - filled - head.length))}]`;
  }

  private counter(done: number, total: number | undefined): string {
    return total ? `${String(done).padStart(String(total).length)}/${total}` : `${done}`;
  }

  override async onTrainBegin(): Promise<void> {
    this.trainStart = this.now();
    this.barOpen = false;
    this.learnedBatches = undefined;
  }

  override async onEpochBegin(epoch: number): Promise<void> {
    this.clearSums();
    this.epoch = epoch;
    this.batchesDone = 0;
    this.epochStart = this.now();
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  override async onBatchEnd(batch: number, logs?: UnresolvedLogs): Promise<void> {
    const size = typeof logs?.size === 'number' ? logs.size : 1;
    this.seen += size;
    this.batchesDone = batch + 1;
    for (const [key, value] of Object.entries(logs ?? {})) {
      if (key === 'batch' || key === 'size') continue;
      const prev = this.sums.get(key) ?? 0;
      if (typeof value === 'number' && typeof prev === 'number') {
        this.sums.set(key, prev + value * size);
      } else {
        const next = tf.tidy(() => tf.add(prev, tf.mul(value, size)) as tf.Scalar);
        if (typeof prev !== 'number') prev.dispose();
        this.sums.set(key, next);
      }
    }
    const total = this.batches;
    if (total !== undefined && this.batchesDone >= total) return; // the epoch line follows at once
    const t = this.now();
    const periodic = !this.live && this.every > 0 && this.batchesDone % this.every === 0;
    const throttled = t - this.lastDraw >= this.refreshMs;
    const wantsLive = this.live && throttled;
    const wantsEvent = this.onProgress !== undefined && throttled;
    if (!periodic && !wantsLive && !wantsEvent) return;
    this.lastDraw = t;
    const means = await this.means();
    const elapsedMs = t - this.epochStart;
    const etaMs = total ? (elapsedMs / this.batchesDone) * (total - this.batchesDone) : undefined;
    const head = `Epoch ${this.epoch + 1}/${this.epochs}`;
    const eta = etaMs === undefined ? '' : ` ETA ${formatDuration(etaMs)}`;
    const line = this.live
      ? `${head} ${this.counter(this.batchesDone, total)}${this.bar(this.batchesDone, total)}${eta}${metricsText(means)}`
      : `${head} - ${this.counter(this.batchesDone, total)} -${eta}${metricsText(means)}`;
    if (this.live) {
      this.write(`\r${this.fit(line)}\x1b[K`);
      this.barOpen = true;
    } else if (periodic) {
      this.write(`${line}\n`);
    }
    this.onProgress?.({
      type: 'batch',
      epoch: this.epoch,
      epochs: this.epochs,
      batch: this.batchesDone,
      batches: total,
      logs: means,
      elapsedMs,
      etaMs,
      line,
    });
  }

  private async means(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const entries = [...this.sums.entries()];
    const values = await Promise.all(entries.map(async ([, v]) => (typeof v === 'number' ? v : (await v.data())[0])));
    entries.forEach(([k], i) => {
      out[k] = values[i] / Math.max(this.seen, 1);
    });
    return out;
  }

  override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
    this.clearSums();
    if (this.batches === undefined) this.learnedBatches = this.batchesDone;
    const total = this.batches;
    const values = await readLogs(logs);
    const elapsedMs = this.now() - this.epochStart;
    const perStep = this.batchesDone > 0 ? ` ${formatDuration(elapsedMs / this.batchesDone)}/step` : '';
    const head = `Epoch ${epoch + 1}/${this.epochs}`;
    const line = this.live
      ? `${head} ${this.counter(this.batchesDone, total)}${this.bar(this.batchesDone, total)} ${formatDuration(elapsedMs)}${perStep}${metricsText(values)}`
      : `${head} - ${this.counter(this.batchesDone, total)} - ${formatDuration(elapsedMs)}${perStep}${metricsText(values)}`;
    this.write(this.live ? `\r${this.fit(line)}\x1b[K\n` : `${line}\n`);
    this.barOpen = false;
    this.onProgress?.({
      type: 'epoch',
      epoch,
      epochs: this.epochs,
      batch: this.batchesDone,
      batches: total,
      logs: values,
      elapsedMs,
      line,
    });
  }

  override async onTrainEnd(): Promise<void> {
    this.clearSums();
    // A bar left open means training stopped inside an epoch: end its line.
    if (this.barOpen && this.live) this.write('\n');
    this.barOpen = false;
    const elapsedMs = this.now() - this.trainStart;
    this.onProgress?.({
      type: 'end',
      epoch: this.epoch,
      epochs: this.epochs,
      batch: this.batchesDone,
      batches: this.batches,
      logs: {},
      elapsedMs,
      line: `Training took ${formatDuration(elapsedMs)}`,
    });
  }
}

/**
 * A Keras-style progress display for `model.fit` / `model.fitDataset` (tfjs prints nothing useful in Node
 * and nothing at all in browsers).
 *
 * On a TTY: one line redrawn in place, `Epoch 3/10 12/20 [=============>................] ETA 1.2s - loss: 0.3120
 * - acc: 0.9010`, finished at the end of each epoch with its time, time per step and the validation metrics.
 * Elsewhere (CI logs, files): one line per epoch, plus one every `every` batches. In browsers pass
 * `onProgress` to get the same numbers as events. Batch values are running means over the epoch so far
 * (weighted by batch size), as in Keras.
 *
 * @example
 * await model.fit(x, y, { epochs: 10, callbacks: [progressBar()] });
 * await model.fit(x, y, { epochs: 10, callbacks: [progressBar({ stream: null, onProgress: (e) => ui.update(e) })] });
 */
export function progressBar(options: ProgressBarOptions = {}): ProgressBarCallback {
  return new ProgressBarCallback(options);
}
