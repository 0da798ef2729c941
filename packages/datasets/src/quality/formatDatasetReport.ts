import { checkInt, checkOptions, describeValue, InputError } from '@tiefe/core';
import type { DatasetReport, DuplicateList, SplitReport } from './datasetReport.js';

/** Options of {@link formatDatasetReport}. */
export interface FormatDatasetReportOptions {
  /** Class names by id for the tables. Default: the ids. */
  classNames?: readonly string[];
  /** At most this many rows per list (duplicates, label issues). Default 10. */
  maxRows?: number;
}

const fmt = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toFixed(digits)).toString() : String(v));

function list(indices: number[], max: number): string {
  if (indices.length === 0) return 'none';
  const shown = indices.slice(0, max).join(', ');
  return indices.length > max ? `${indices.length} (${shown}, ...)` : `${indices.length} (${shown})`;
}

function splitSection(title: string, s: SplitReport, names: readonly string[], max: number): string[] {
  const lines = [`## ${title}: ${s.size} samples`, ''];
  lines.push(`| class | ${s.classCounts.map((_, k) => names[k] ?? String(k)).join(' | ')} |`);
  lines.push(`| --- | ${s.classCounts.map(() => '---:').join(' | ')} |`);
  lines.push(`| samples | ${s.classCounts.join(' | ')} |`);
  lines.push('');
  lines.push(`Imbalance ratio (largest / smallest class): ${fmt(s.imbalanceRatio, 2)}.`);
  if (s.emptyClasses.length > 0)
    lines.push(`Classes without samples: ${s.emptyClasses.map((k) => names[k] ?? k).join(', ')}.`);
  lines.push('', '| channel | mean | std | min | max |', '| --- | ---: | ---: | ---: | ---: |');
  s.channels.forEach((c, k) => {
    lines.push(`| ${k} | ${fmt(c.mean, 4)} | ${fmt(c.std, 4)} | ${fmt(c.min, 4)} | ${fmt(c.max, 4)} |`);
  });
  lines.push('', `- Non-finite (NaN/inf) samples: ${list(s.nonFinite, max)}`);
  lines.push(`- Constant samples: ${list(s.constant, max)}`);
  lines.push(...duplicateLines('Duplicates within the split', s.duplicates, max));
  return lines;
}

function duplicateLines(title: string, d: DuplicateList, max: number): string[] {
  const lines = [`- ${title}: ${d.exact} exact, ${d.near} near pairs`];
  if (d.pairs.length === 0) return lines;
  lines.push('', '  | first | second | exact | hash distance | correlation |', '  | ---: | ---: | --- | ---: | ---: |');
  for (const p of d.pairs.slice(0, max)) {
    lines.push(
      `  | ${p.first} | ${p.second} | ${p.exact ? 'yes' : 'no'} | ${p.hashDistance} | ${fmt(p.correlation, 4)} |`,
    );
  }
  if (d.exact + d.near > Math.min(max, d.pairs.length)) lines.push(`  | ... | | | | |`);
  return lines;
}

/**
 * Renders a {@link DatasetReport} as Markdown: a section per split (class table, channel table, corrupt and
 * constant samples, duplicates), the leakage across splits, and the suspected label errors.
 *
 * @example
 * await writeFile('data-report.md', formatDatasetReport(report, { classNames: MNIST_CLASSES }));
 */
export function formatDatasetReport(report: DatasetReport, options: FormatDatasetReportOptions = {}): string {
  const fn = 'formatDatasetReport';
  if (!report || typeof report !== 'object' || !report.train) {
    throw new InputError(`${fn}: report`, 'a DatasetReport (from datasetReport)', describeValue(report));
  }
  const o = checkOptions(`${fn}: options`, options);
  const names = o.classNames ?? [];
  const max = checkInt(`${fn}: maxRows`, o.maxRows ?? 10, 1);
  const [h, w, c] = report.imageShape;
  const lines = [
    '# Dataset report',
    '',
    `Images ${h} x ${w} x ${c}, ${report.numClasses} classes. Near duplicates: pHash within ${report.nearDuplicateDistance} bits and thumbnail correlation >= ${report.nearDuplicateCorrelation}.`,
    '',
    ...splitSection('Training split', report.train, names, max),
  ];
  if (report.test) lines.push('', ...splitSection('Test split', report.test, names, max));
  if (report.acrossSplits) {
    lines.push(
      '',
      '## Leakage across splits',
      '',
      ...duplicateLines('Training/test pairs (first: training index, second: test index)', report.acrossSplits, max),
    );
  }
  if (report.labelIssues) {
    const li = report.labelIssues;
    lines.push('', '## Suspected label errors (confident learning)', '');
    lines.push(
      `${li.indices.length} samples flagged; estimated share of wrong labels ${fmt(100 * li.estimatedNoiseRate, 2)}%.`,
    );
    if (li.indices.length > 0) {
      lines.push('', '| index | given | suggested | self-confidence |', '| ---: | --- | --- | ---: |');
      li.indices.slice(0, max).forEach((idx, k) => {
        lines.push(
          `| ${idx} | ${names[li.givenLabels[k]] ?? li.givenLabels[k]} | ${names[li.suggestedLabels[k]] ?? li.suggestedLabels[k]} | ${fmt(li.selfConfidence[k], 4)} |`,
        );
      });
      if (li.indices.length > max) lines.push('', `... ${li.indices.length - max} more (most suspicious first).`);
    }
  }
  return `${lines.join('\n')}\n`;
}
