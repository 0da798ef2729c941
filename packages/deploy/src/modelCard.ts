import { type CrossValidationResult, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { QuantizationEvaluation } from './evaluateQuantization.js';
import type { QuantizationReport } from './quantize.js';
import type { RobustnessReport } from './robustness.js';

/** What {@link modelCard} is told (Mitchell et al. 2019, "Model Cards for Model Reporting", shortened). */
export interface ModelCardInput {
  /** Model name. */
  name: string;
  /** Version (default '0.1.0'). */
  version?: string;
  /** One or two sentences: what the model does. */
  description?: string;
  /** Architecture and size, e.g. `{ architecture: 'smallCnn', parameters: 468394 }`. */
  model?: { architecture: string; parameters?: number; framework?: string };
  /** What it is meant for, and who should use it. */
  intendedUse: string;
  /** Known limitations and uses it is not meant for; at least one. */
  limitations: string[];
  /** The data: name, source, sizes, free-form findings (e.g. a data-quality report's summary lines). */
  data: { name: string; source?: string; train: number; test: number; classes?: string[]; notes?: string[] };
  /** Held-out test metrics by name (fractions such as accuracy, or any number). */
  metrics?: Record<string, number>;
  /** A core `crossValidate` result: its metric, per-fold scores, mean and spread go into the card. */
  crossValidation?: CrossValidationResult;
  /** A {@link robustnessReport}. */
  robustness?: RobustnessReport;
  /** A {@link quantizeModel} report and its {@link evaluateQuantization}, one entry per stored variant. */
  quantization?: { report: QuantizationReport; evaluation?: QuantizationEvaluation }[];
  /** ISO date of the card (default today). */
  date?: string;
}

/** The card as plain data (what `json` serialises). */
export interface ModelCardData {
  name: string;
  version: string;
  date: string;
  description?: string;
  model?: ModelCardInput['model'];
  intendedUse: string;
  limitations: string[];
  data: ModelCardInput['data'];
  metrics: Record<string, number>;
  crossValidation?: { metric: string; folds: number; scores: number[]; mean: number; std: number };
  robustness?: RobustnessReport;
  quantization?: {
    dtype: string;
    granularity: string;
    bytesBefore: number;
    bytesAfter: number;
    maxAbsWeightError: number;
    accuracyBefore?: number;
    accuracyAfter?: number;
    delta?: number;
    agreement?: number;
  }[];
}

/** Result of {@link modelCard}. */
export interface ModelCard {
  data: ModelCardData;
  /** `data` as indented JSON. */
  json: string;
  /** The same content as a Markdown document. */
  markdown: string;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(4));
const points = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} points`;

function markdown(c: ModelCardData): string {
  const lines: string[] = [`# Model card: ${c.name}`, '', `Version ${c.version}, ${c.date}.`];
  if (c.description) lines.push('', c.description);
  if (c.model) {
    const size = c.model.parameters === undefined ? '' : `, ${c.model.parameters.toLocaleString('en-US')} parameters`;
    lines.push(
      '',
      '## Model',
      '',
      `${c.model.architecture}${size}${c.model.framework ? ` (${c.model.framework})` : ''}.`,
    );
  }
  lines.push('', '## Intended use', '', c.intendedUse, '', '## Limitations', '', ...c.limitations.map((l) => `- ${l}`));
  const d = c.data;
  lines.push(
    '',
    '## Data',
    '',
    `${d.name}${d.source ? ` (${d.source})` : ''}: ${d.train} training and ${d.test} test samples.`,
  );
  if (d.classes) lines.push(`Classes (${d.classes.length}): ${d.classes.join(', ')}.`);
  if (d.notes?.length) lines.push('', ...d.notes.map((n) => `- ${n}`));
  const metricRows = Object.entries(c.metrics);
  if (metricRows.length || c.crossValidation) lines.push('', '## Metrics');
  if (metricRows.length) {
    lines.push('', '| metric (held-out test set) | value |', '| --- | --- |');
    for (const [k, v] of metricRows) lines.push(`| ${k} | ${num(v)} |`);
  }
  if (c.crossValidation) {
    const cv = c.crossValidation;
    lines.push(
      '',
      `Cross-validation (${cv.folds} folds), ${cv.metric}: ${num(cv.mean)} ± ${num(cv.std)} (population sd); folds ${cv.scores.map(num).join(', ')}.`,
    );
  }
  if (c.robustness) {
    const r = c.robustness;
    lines.push('', '## Robustness', '', `On ${r.samples} held-out samples; clean accuracy ${pct(r.clean)}.`, '');
    lines.push('| perturbation | accuracy | change |', '| --- | --- | --- |');
    for (const p of [...r.augmentations, ...r.noise])
      lines.push(`| ${p.name} | ${pct(p.accuracy)} | ${points(-p.drop)} |`);
    if (r.ood) {
      lines.push(
        '',
        `Out-of-distribution check (${r.ood.detector}, ${r.ood.inDistribution} in- vs ${r.ood.outOfDistribution} out-of-distribution images): AUROC ${r.ood.auroc.toFixed(3)}, FPR at 95% TPR ${pct(r.ood.fprAt95Tpr)}, mean score ${r.ood.meanScoreIn.toFixed(3)} vs ${r.ood.meanScoreOut.toFixed(3)}.`,
      );
    }
  }
  if (c.quantization?.length) {
    lines.push('', '## Quantisation', '', '| weights | bytes | max abs weight error | accuracy | change | agreement |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const q of c.quantization) {
      const acc = q.accuracyAfter === undefined ? '' : `${pct(q.accuracyBefore as number)} -> ${pct(q.accuracyAfter)}`;
      lines.push(
        `| ${q.dtype} per ${q.granularity} | ${q.bytesBefore} -> ${q.bytesAfter} | ${q.maxAbsWeightError.toExponential(2)} | ${acc} | ${q.delta === undefined ? '' : points(q.delta)} | ${q.agreement === undefined ? '' : pct(q.agreement)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A model card as JSON and Markdown: model, intended use, limitations, data, held-out metrics, the
 * cross-validation spread, robustness figures and quantisation figures, from the reports the other
 * functions of this package (and core's `crossValidate`) return. Pure: no IO, no tensors.
 *
 * @example
 * const card = modelCard({ name: 'digits', intendedUse: 'Teaching.', limitations: ['Only MNIST-like digits.'], data: { name: 'MNIST', train: 8000, test: 2000 } });
 * console.log(card.markdown);
 */
export function modelCard(input: ModelCardInput): ModelCard {
  const fn = 'modelCard';
  const o = checkOptions(`${fn}: input`, input);
  for (const key of ['name', 'intendedUse'] as const) {
    if (typeof o[key] !== 'string' || o[key].trim() === '')
      throw new InputError(`${fn}: ${key}`, 'a non-empty string', describeValue(o[key]));
  }
  if (!Array.isArray(o.limitations) || o.limitations.length === 0 || o.limitations.some((l) => typeof l !== 'string')) {
    throw new InputError(`${fn}: limitations`, 'a non-empty array of strings', describeValue(o.limitations));
  }
  const d = o.data;
  if (!d || typeof d.name !== 'string' || !Number.isInteger(d.train) || !Number.isInteger(d.test)) {
    throw new InputError(`${fn}: data`, '{ name: string, train: integer, test: integer, ... }', describeValue(d));
  }
  for (const [k, v] of Object.entries(o.metrics ?? {})) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new InputError(`${fn}: metrics`, 'finite numbers', `${k}: ${describeValue(v)}`);
  }
  const cv = o.crossValidation;
  const data: ModelCardData = {
    name: o.name,
    version: o.version ?? '0.1.0',
    date: o.date ?? new Date().toISOString().slice(0, 10),
    ...(o.description ? { description: o.description } : {}),
    ...(o.model ? { model: o.model } : {}),
    intendedUse: o.intendedUse,
    limitations: [...o.limitations],
    data: d,
    metrics: { ...(o.metrics ?? {}) },
    ...(cv
      ? {
          crossValidation: {
            metric: cv.metric,
            folds: cv.scores.length,
            scores: cv.scores,
            mean: cv.mean,
            std: cv.std,
          },
        }
      : {}),
    ...(o.robustness ? { robustness: o.robustness } : {}),
    ...(o.quantization
      ? {
          quantization: o.quantization.map(({ report, evaluation }) => ({
            dtype: report.dtype,
            granularity: report.granularity,
            bytesBefore: report.bytesBefore,
            bytesAfter: report.bytesAfter,
            maxAbsWeightError: report.maxAbsError,
            ...(evaluation
              ? {
                  accuracyBefore: evaluation.accuracyBefore,
                  accuracyAfter: evaluation.accuracyAfter,
                  delta: evaluation.delta,
                  agreement: evaluation.agreement,
                }
              : {}),
          })),
        }
      : {}),
  };
  return { data, json: `${JSON.stringify(data, null, 2)}\n`, markdown: markdown(data) };
}
