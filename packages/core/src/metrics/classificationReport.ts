import { InputError } from '../errors.js';
import { countConfusion, inferNumClasses } from './confusionMatrix.js';
import { checkSameLength, type LabelInput, type LabelOptions, toLabels } from './labels.js';

/** Precision, recall, F1 and support of one class (or an average of classes). */
export interface ClassScores {
  /** `tp / (tp + fp)`; 0 when the class is never predicted (sklearn's `zero_division=0`). */
  precision: number;
  /** `tp / (tp + fn)`; 0 when the class never occurs. */
  recall: number;
  /** `2 tp / (2 tp + fp + fn)` (the harmonic mean of precision and recall); 0 when undefined. */
  f1: number;
  /** Number of samples whose true class is this one (for averages: all samples). */
  support: number;
}

/** One row of the report. */
export interface ClassRow extends ClassScores {
  /** Class index. */
  label: number;
  /** Display name (`classNames[label]`, or the index as text). */
  name: string;
}

/** Result of {@link classificationReport}: plain numbers, JSON-serialisable. */
export interface ClassificationReport {
  /** One row per class, in label order. */
  classes: ClassRow[];
  /** Fraction of correct predictions. */
  accuracy: number;
  /** Unweighted mean of the per-class scores (every class counts the same). */
  macro: ClassScores;
  /** Mean of the per-class scores weighted by support. */
  weighted: ClassScores;
  /** Confusion matrix over `classes` (rows = truth, columns = prediction). */
  confusion: number[][];
  /** sklearn-style text table (same layout as `sklearn.metrics.classification_report`). */
  toString(): string;
}

/** Options of {@link classificationReport}. */
export interface ClassificationReportOptions extends LabelOptions {
  /** Names for classes 0..c-1; their count also fixes the number of classes. */
  classNames?: string[];
  /**
   * Number of classes. Default: `classNames.length`, else (like sklearn) only the labels that occur in
   * `yTrue` or `yPred` are reported.
   */
  numClasses?: number;
  /** Digits after the decimal point in `toString()`. Default 2. */
  digits?: number;
}

function scores(tp: number, fp: number, fn: number): Omit<ClassScores, 'support'> {
  return {
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
  };
}

function format(report: Omit<ClassificationReport, 'toString'>, digits: number): string {
  // Mirrors sklearn's layout: names right-aligned to the longest name (at least 'weighted avg'), then
  // 9-wide columns separated by one space.
  const width = Math.max('weighted avg'.length, digits, ...report.classes.map((c) => c.name.length));
  const col = (s: string) => ` ${s.padStart(9)}`;
  const num = (v: number) => col(v.toFixed(digits));
  const row = (name: string, s: ClassScores) =>
    `${name.padStart(width)} ${num(s.precision)}${num(s.recall)}${num(s.f1)}${col(String(s.support))}\n`;
  let out = `${''.padStart(width)} ${col('precision')}${col('recall')}${col('f1-score')}${col('support')}\n\n`;
  for (const c of report.classes) out += row(c.name, c);
  out += '\n';
  out += `${'accuracy'.padStart(width)} ${col('')}${col('')}${num(report.accuracy)}${col(String(report.weighted.support))}\n`;
  out += row('macro avg', report.macro);
  out += row('weighted avg', report.weighted);
  return out;
}

/**
 * Per-class precision, recall, F1 and support, their macro and support-weighted averages, and the accuracy:
 * `sklearn.metrics.classification_report(..., output_dict=True)` as typed plain numbers, with a `toString()`
 * that prints the same table as sklearn. Inputs as in {@link accuracy}.
 *
 * @example
 * const r = await classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { classNames: ['a', 'b', 'c'] });
 * r.macro.f1; // 0.4889
 * console.log(r.toString());
 */
export async function classificationReport(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: ClassificationReportOptions = {},
): Promise<ClassificationReport> {
  const digits = options.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20)
    throw new InputError('classificationReport: digits', 'an integer in 0..20', String(digits));
  const { classNames } = options;
  if (classNames && options.numClasses !== undefined && classNames.length !== options.numClasses) {
    throw new InputError(
      'classificationReport: classNames',
      `${options.numClasses} names (numClasses)`,
      `${classNames.length}`,
    );
  }
  const t = await toLabels(yTrue, 'classificationReport: yTrue', 'true');
  const p = await toLabels(yPred, 'classificationReport: yPred', 'pred', options);
  checkSameLength('classificationReport', t, p);
  const fixed = options.numClasses ?? classNames?.length;
  const size = fixed ?? inferNumClasses(t, p);
  const full = countConfusion('classificationReport', t, p, size);
  // sklearn reports only the labels present in yTrue or yPred unless the label set is given.
  let labels = Array.from({ length: size }, (_, i) => i);
  if (fixed === undefined) {
    const present = new Set<number>([...t, ...p]);
    labels = labels.filter((l) => present.has(l));
  }
  const confusion = labels.map((i) => labels.map((j) => full[i][j]));
  const n = t.length;
  let correct = 0;
  for (let i = 0; i < n; i++) if (t[i] === p[i]) correct++;
  const classes: ClassRow[] = labels.map((label) => {
    const tp = full[label][label];
    const support = full[label].reduce((a, b) => a + b, 0);
    const predicted = full.reduce((a, r) => a + r[label], 0);
    return { label, name: classNames?.[label] ?? String(label), ...scores(tp, predicted - tp, support - tp), support };
  });
  const avg = (weight: (c: ClassRow) => number): ClassScores => {
    const total = classes.reduce((a, c) => a + weight(c), 0);
    const mean = (key: 'precision' | 'recall' | 'f1') =>
      total === 0 ? 0 : classes.reduce((a, c) => a + weight(c) * c[key], 0) / total;
    return { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: n };
  };
  const body = { classes, accuracy: correct / n, macro: avg(() => 1), weighted: avg((c) => c.support), confusion };
  return { ...body, toString: () => format(body, digits) };
}
