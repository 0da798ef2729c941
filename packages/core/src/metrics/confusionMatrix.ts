import { InputError } from '../errors.js';
import { checkSameLength, type LabelInput, type LabelOptions, toLabels } from './labels.js';

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions extends LabelOptions {
  /** Number of classes (matrix size). Default: the largest label in `yTrue` or `yPred`, plus one. */
  numClasses?: number;
}

/** Counts `m[t][p]` from two label vectors; `numClasses` must cover every label. */
export function countConfusion(fn: string, t: Int32Array, p: Int32Array, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < t.length; i++) {
    if (t[i] >= numClasses)
      throw new InputError(`${fn}: yTrue`, `class indices < numClasses (${numClasses})`, `${t[i]} at index ${i}`);
    if (p[i] >= numClasses)
      throw new InputError(`${fn}: yPred`, `class indices < numClasses (${numClasses})`, `${p[i]} at index ${i}`);
    m[t[i]][p[i]]++;
  }
  return m;
}

/** Largest label in either vector, plus one. */
export function inferNumClasses(t: Int32Array, p: Int32Array): number {
  let max = 0;
  for (let i = 0; i < t.length; i++) max = Math.max(max, t[i], p[i]);
  return max + 1;
}

/**
 * Confusion matrix as plain arrays, sklearn's convention: `m[i][j]` counts samples of true class `i`
 * predicted as class `j` (rows = truth, columns = prediction). Inputs as in {@link accuracy}.
 *
 * @example
 * await confusionMatrix([0, 1, 2, 2, 2], [0, 0, 2, 2, 1]); // [[1, 0, 0], [1, 0, 0], [0, 1, 2]]
 */
export async function confusionMatrix(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: ConfusionMatrixOptions | number = {},
): Promise<number[][]> {
  const opts = typeof options === 'number' ? { numClasses: options } : options;
  if (opts.numClasses !== undefined && (!Number.isInteger(opts.numClasses) || opts.numClasses < 1)) {
    throw new InputError('confusionMatrix: numClasses', 'an integer >= 1', String(opts.numClasses));
  }
  const t = await toLabels(yTrue, 'confusionMatrix: yTrue', 'true');
  const p = await toLabels(yPred, 'confusionMatrix: yPred', 'pred', opts);
  checkSameLength('confusionMatrix', t, p);
  return countConfusion('confusionMatrix', t, p, opts.numClasses ?? inferNumClasses(t, p));
}
