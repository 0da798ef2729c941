import { heatmapChart, type TopLevelSpec } from '@tiefe/charts';
import { describeValue, InputError } from '@tiefe/core';

/**
 * The accuracy matrix of a continual run: `matrix[i][j]` is the accuracy on (test) experience j after training
 * on experience i (rows: training steps, columns: experiences); `initial[j]` the accuracy before any training
 * (the random-initialisation reference of forward transfer).
 */
export interface AccuracyMatrix {
  matrix: number[][];
  initial?: number[];
}

function checkMatrix(fn: string, m: unknown): number[][] {
  const rows = (m as AccuracyMatrix | null)?.matrix;
  const ok =
    Array.isArray(rows) &&
    rows.length > 0 &&
    rows.every(
      (r) =>
        Array.isArray(r) && r.length === rows[0].length && r.every((v) => typeof v === 'number' && Number.isFinite(v)),
    );
  if (!ok)
    throw new InputError(
      `${fn}: result`,
      'an accuracy matrix { matrix: number[][] } with rows of equal length',
      describeValue(rows),
    );
  if (rows[0].length < rows.length)
    throw new InputError(
      `${fn}: result`,
      'at least one column per training step',
      `${rows.length} rows of ${rows[0].length}`,
    );
  return rows;
}

/** Mean accuracy over all experiences after the last training step (the "average accuracy" of the tables). */
export function averageAccuracy(result: AccuracyMatrix): number {
  const m = checkMatrix('averageAccuracy', result);
  const last = m[m.length - 1];
  return last.reduce((a, b) => a + b, 0) / last.length;
}

/**
 * Mean accuracy after each step i over the experiences seen so far (0..i): Avalanche's stream accuracy of the
 * experiences trained on, one value per step.
 */
export function seenAccuracy(result: AccuracyMatrix): number[] {
  const m = checkMatrix('seenAccuracy', result);
  return m.map((row, i) => row.slice(0, i + 1).reduce((a, b) => a + b, 0) / (i + 1));
}

/**
 * Forgetting of each experience j before the last (Chaudhry 2018, as the issue defines it): the best accuracy
 * on j at any earlier step minus the final one, `max_{i < T-1} R[i][j] - R[T-1][j]`, for j = 0..T-2.
 */
export function forgettingPerExperience(result: AccuracyMatrix): number[] {
  const m = checkMatrix('forgetting', result);
  const T = m.length;
  const out: number[] = [];
  for (let j = 0; j < T - 1; j++) {
    let best = -Infinity;
    for (let i = j; i < T - 1; i++) best = Math.max(best, m[i][j]);
    out.push(best - m[T - 1][j]);
  }
  return out;
}

/** Mean of {@link forgettingPerExperience} (0 for a single step). */
export function forgetting(result: AccuracyMatrix): number {
  const f = forgettingPerExperience(result);
  return f.length === 0 ? 0 : f.reduce((a, b) => a + b, 0) / f.length;
}

/**
 * Backward transfer (Lopez-Paz & Ranzato 2017): `1/(T-1) sum_{j<T-1} (R[T-1][j] - R[j][j])`, the final accuracy
 * minus the one just after training on j. Avalanche's BWT is this: minus its forgetting, whose reference is
 * the accuracy just after training (so it differs from {@link forgetting} when accuracy later rose above it).
 */
export function backwardTransfer(result: AccuracyMatrix): number {
  const m = checkMatrix('backwardTransfer', result);
  const T = m.length;
  if (T < 2) return 0;
  let s = 0;
  for (let j = 0; j < T - 1; j++) s += m[T - 1][j] - m[j][j];
  return s / (T - 1);
}

/**
 * Forward transfer (Lopez-Paz & Ranzato 2017): `1/(T-1) sum_{j>=1} (R[j-1][j] - b_j)`, the accuracy on
 * experience j just before training on it minus the accuracy of the untrained model (`initial[j]`).
 */
export function forwardTransfer(result: AccuracyMatrix): number {
  const m = checkMatrix('forwardTransfer', result);
  const b = result.initial;
  if (!Array.isArray(b) || b.length !== m[0].length || !b.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new InputError(
      'forwardTransfer: result.initial',
      `${m[0].length} accuracies of the untrained model`,
      describeValue(b),
    );
  const T = m.length;
  if (T < 2) return 0;
  let s = 0;
  for (let j = 1; j < T; j++) s += m[j - 1][j] - b[j];
  return s / (T - 1);
}

/** The summary numbers of one run. */
export interface ContinualSummary {
  averageAccuracy: number;
  forgetting: number;
  backwardTransfer: number;
  /** Present when the matrix has `initial`. */
  forwardTransfer?: number;
}

/** All summary metrics of a run at once. */
export function summarize(result: AccuracyMatrix): ContinualSummary {
  return {
    averageAccuracy: averageAccuracy(result),
    forgetting: forgetting(result),
    backwardTransfer: backwardTransfer(result),
    ...(result.initial ? { forwardTransfer: forwardTransfer(result) } : {}),
  };
}

/**
 * The matrix as a text table, accuracies in percent, one row per training step and one column per experience,
 * with the row's mean over the experiences seen so far.
 *
 * @example
 * console.log(accuracyTable(result));
 * // after  |  e0    e1  | seen
 * // e0     | 99.9  50.0 | 99.9
 */
export function accuracyTable(result: AccuracyMatrix): string {
  const m = checkMatrix('accuracyTable', result);
  const seen = seenAccuracy(result);
  const cell = (v: number) => (v * 100).toFixed(1).padStart(6);
  const head = `after |${m[0].map((_, j) => `e${j}`.padStart(6)).join('')} |  seen`;
  const lines = m.map((row, i) => `${`e${i}`.padEnd(5)} |${row.map(cell).join('')} |${cell(seen[i])}`);
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

/**
 * The matrix as a heatmap chart (`@tiefe/charts`): rows `after e<i>` (the training steps), columns `e<j>` (the
 * experiences), each cell's accuracy printed in percent, colours spanning 0..1 so charts of different strategies
 * compare. Write it with `writeChart` of @tiefe/charts, or draw it with `mountChart`.
 *
 * @example
 * await writeChart('out/naive.png', accuracyMatrixChart(result, { title: 'Split MNIST, naive' }));
 */
export function accuracyMatrixChart(result: AccuracyMatrix, options: { title?: string } = {}): TopLevelSpec {
  const m = checkMatrix('accuracyMatrixChart', result);
  const title = options?.title ?? 'Accuracy matrix';
  if (typeof title !== 'string' || title.length === 0)
    throw new InputError('accuracyMatrixChart: title', 'a non-empty string', describeValue(title));
  return heatmapChart({
    title,
    x: { title: 'accuracy on experience', labels: m[0].map((_, j) => `e${j}`) },
    y: { title: 'after training on', labels: m.map((_, i) => `e${i}`) },
    values: m,
    format: '.1%',
    valueTitle: 'accuracy',
    domain: [0, 1],
  });
}
