/**
 * The `npm start` program, the tour of the toolkit in Node: (1) the backend, (2) the data, (3) training the
 * reference CNN, (4) evaluation, (5) explanations, (6) the report: `outDir/report.html` (one self-contained
 * page), `outDir/report.json` (the same numbers) and `outDir/checkpoint/` (model and Adam state). Each part is
 * printed as it starts and with its time when done.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { barChart, confusionMatrixChart, imageGridChart, lineChart, renderSvg, type TopLevelSpec } from '@tiefe/charts';
import {
  type AdapterInfo,
  type BackendName,
  blankImage,
  type ClassRow,
  type ClassScores,
  checkInt,
  checkOptions,
  classificationReport,
  DEFAULT_BACKENDS,
  initBackend,
  type ProgressStream,
  progressBar,
  saveCheckpoint,
  seed,
  writeFileAtomic,
} from '@tiefe/core';
import { renderInput } from '@tiefe/explain';
import { buildCnn } from './cnn.js';
import { classCounts, firstOfEachClass, loadDigits } from './digits.js';
import { explainDigits } from './explainDigits.js';
import { type Cell, escapeHtml, figure, page, type Section, table } from './html.js';
import { HistoryCallback, type TrainingHistory } from './trainingHistory.js';

/** Options of {@link runTour}; the defaults are `npm start`'s run. */
export interface TourOptions {
  /** Folder with the official t10k IDX files; when it does not exist, a synthetic stand-in is used. */
  mnistDir: string;
  /** Where report.html, report.json and checkpoint/ go. */
  outDir: string;
  /** Training epochs (default 3). */
  epochs?: number;
  /** Use only the first `limit` digits (default all 10,000); a fifth of them (at most 2,000) is held out. */
  limit?: number;
  /** Test digits explained, one of them misclassified (default 4). */
  explain?: number;
  /** SmoothGrad's noisy samples per digit (default 64). */
  smoothGradSamples?: number;
  /** Backends to try, in order (default: `TIEFE_BACKEND`, else webgpu, wasm, cpu). */
  backends?: BackendName[];
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
  /** Where the training progress bar goes (default process.stdout; null: none). */
  progress?: ProgressStream | null;
}

/** How long one part took. */
export interface PartTime {
  name: string;
  seconds: number;
}

/** What {@link runTour} writes to `report.json` (and shows in `report.html`). */
export interface TourReport {
  backend: BackendName;
  /** The order in which backends were tried. */
  order: string;
  adapter?: AdapterInfo;
  /** Backends tried before `backend`, and why each was passed over. */
  skipped: Array<{ name: BackendName; reason: string }>;
  source: string;
  epochs: number;
  train: number;
  test: number;
  /** Training digits per class, and test digits per class. */
  trainCounts: number[];
  testCounts: number[];
  trainSeconds: number;
  accuracy: number;
  classes: ClassRow[];
  macro: ClassScores;
  weighted: ClassScores;
  /** Rows: true class, columns: predicted class. */
  confusion: number[][];
  history: TrainingHistory;
  explained: Array<{ index: number; truth: number; predicted: number; confidence: number }>;
  /** The six parts, in order; the report's own time is measured before its files are written. */
  parts: PartTime[];
}

const PARTS = ['backend', 'data', 'training', 'evaluation', 'explanation', 'report'] as const;

/** Prints `[i/6] name ...`, runs `fn`, prints its time, and records it. */
async function timed<T>(index: number, times: PartTime[], log: (line: string) => void, fn: () => Promise<T>) {
  const name = PARTS[index];
  log(`[${index + 1}/${PARTS.length}] ${name} ...`);
  const started = performance.now();
  const value = await fn();
  const seconds = (performance.now() - started) / 1000;
  times.push({ name, seconds });
  log(`[${index + 1}/${PARTS.length}] ${name} done in ${seconds.toFixed(1)} s`);
  return value;
}

function backendWhy(order: string, skipped: TourReport['skipped'], name: BackendName): string {
  if (skipped.length === 0) return `${name} is the first backend of the order (${order}) and it started.`;
  return `${name} is the first backend of the order (${order}) that started and was not passed over.`;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const count = (n: number) => n.toLocaleString('en-US');

/** Runs the tour; returns what it wrote to report.json. */
export async function runTour(options: TourOptions): Promise<TourReport> {
  const opts = checkOptions('runTour: options', options);
  const { mnistDir, outDir, limit, log = console.log } = opts;
  const epochs = checkInt('runTour: epochs', opts.epochs ?? 3);
  const explainCount = checkInt('runTour: explain', opts.explain ?? 4, 2);
  const smoothGradSamples = checkInt('runTour: smoothGradSamples', opts.smoothGradSamples ?? 64);
  if (limit !== undefined) checkInt('runTour: limit', limit, 10);
  const times: PartTime[] = [];
  const specs: Record<string, TopLevelSpec> = {};

  // 1 backend
  const order = opts.backends?.join(', ') ?? process.env.TIEFE_BACKEND ?? DEFAULT_BACKENDS.join(', ');
  const backend = await timed(0, times, log, async () => {
    const choice = await initBackend(opts.backends ? { prefer: opts.backends } : {});
    log(`  ${choice.name}${choice.adapter ? ` (${choice.adapter.description})` : ''}`);
    for (const s of choice.skipped) log(`  passed over ${s.name}: ${s.reason}`);
    return choice;
  });
  seed(42);

  // 2 data
  const data = await timed(1, times, log, async () => {
    const d = await loadDigits(mnistDir, limit, log);
    log(`  ${d.source}; ${d.train.images.shape[0]} train, ${d.test.images.shape[0]} test`);
    const classes = d.classNames.length;
    const [trainCounts, testCounts] = await Promise.all([
      classCounts(d.train.labels, classes),
      classCounts(d.test.labels, classes),
    ]);
    const picked = await firstOfEachClass(d.train.labels, classes, 3);
    const rows = [];
    for (let k = 0; k < 3; k++) {
      const row = [];
      for (let c = 0; c < classes; c++) {
        const [, height, width] = d.train.images.shape;
        if (picked[c].length === 0) {
          row.push(blankImage(width, height, [0, 0, 0])); // a class missing from a small LIMIT
          continue;
        }
        const digit = tf.slice(d.train.images, picked[c][k % picked[c].length], 1);
        row.push(await renderInput(digit, { range: [0, 1] }));
        digit.dispose();
      }
      rows.push(row);
    }
    specs.samples = imageGridChart({
      cellSize: 56,
      title: 'Training digits, three of each class',
      columnHeaders: d.classNames,
      rowHeaders: ['1st', '2nd', '3rd'],
      images: rows,
    });
    specs.counts = barChart({
      title: 'Digits per class',
      x: { title: 'class' },
      y: { title: 'digits' },
      bars: d.classNames.flatMap((label, c) => [
        { label, value: trainCounts[c], group: 'train' },
        { label, value: testCounts[c], group: 'test' },
      ]),
    });
    return { ...d, trainCounts, testCounts };
  });
  const { train, test, classNames } = data;

  const model = buildCnn(train.images.shape.slice(1), classNames.length);
  const optimizer = tf.train.adam(1e-3);
  try {
    // 3 training
    const training = await timed(2, times, log, async () => {
      model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      const batchSize = 64;
      const batches = Math.ceil((train.images.shape[0] * 0.9) / batchSize);
      const every = Math.max(1, Math.round(batches / 10));
      const history = new HistoryCallback(every);
      const started = performance.now();
      await model.fit(train.images, train.labels, {
        epochs,
        batchSize,
        validationSplit: 0.1,
        callbacks: [progressBar({ stream: opts.progress }), history],
      });
      return { history: history.history, every, seconds: (performance.now() - started) / 1000 };
    });
    const h = training.history;
    const curve = (key: 'loss' | 'accuracy') =>
      lineChart({
        title: key === 'loss' ? 'Loss' : 'Accuracy',
        x: { title: 'epoch' },
        y: { title: key === 'loss' ? 'cross-entropy' : 'accuracy (fraction)' },
        series: [
          { name: `train (mean of ${training.every} batches)`, points: h.batches.map((p) => [p.epoch, p[key]]) },
          {
            name: 'validation (per epoch)',
            points: h.epochs.map((p) => [p.epoch, key === 'loss' ? p.valLoss : p.valAccuracy]),
          },
        ],
      });
    specs.loss = curve('loss');
    specs.accuracy = curve('accuracy');

    // 4 evaluation
    const { report, probabilities } = await timed(3, times, log, async () => {
      const p = model.predict(test.images) as tf.Tensor2D;
      const r = await classificationReport(test.labels, p, { classNames });
      log(r.toString());
      log(`  test accuracy ${pct(r.accuracy)} on ${backend.name} after ${epochs} epochs`);
      return { report: r, probabilities: p };
    });
    specs.confusion = confusionMatrixChart({
      title: 'Confusion matrix (test digits)',
      matrix: report.confusion,
      classNames,
    });
    specs.perClass = barChart({
      title: 'F1 score per class',
      x: { title: 'class' },
      y: { title: 'F1 (fraction)' },
      bars: report.classes.map((c) => ({ label: c.name, value: c.f1 })),
    });

    // 5 explanation
    const explained = await timed(4, times, log, async () => {
      const digits = await explainDigits(model, test.images, test.labels, probabilities, {
        count: explainCount,
        smoothGradSamples,
      });
      probabilities.dispose();
      for (const d of digits)
        log(
          `  test digit #${d.index}: true ${classNames[d.truth]}, predicted ${classNames[d.predicted]} (${pct(d.confidence)})`,
        );
      return digits;
    });
    const rowHeader = (d: (typeof explained)[number]) =>
      `#${d.index}: ${classNames[d.truth]} → ${classNames[d.predicted]}${d.truth === d.predicted ? '' : ' ✗'}`;
    specs.heatmaps = imageGridChart({
      title: 'What the CNN looked at (explaining the predicted class)',
      columnHeaders: ['digit', 'LRP (ε, γ, box)', 'SmoothGrad²'],
      rowHeaders: explained.map(rowHeader),
      images: explained.map((d) => d.images),
    });

    // 6 report
    const summary = await timed(5, times, log, async () => {
      await saveCheckpoint(join(outDir, 'checkpoint'), { model, optimizer, epoch: epochs });
      const svgs: Record<string, string> = {};
      for (const [key, spec] of Object.entries(specs)) svgs[key] = await renderSvg(spec);
      return svgs;
    });
    const reportSeconds = times[5].seconds;

    const result: TourReport = {
      backend: backend.name,
      order,
      adapter: backend.adapter,
      skipped: backend.skipped,
      source: data.source,
      epochs,
      train: train.images.shape[0],
      test: test.images.shape[0],
      trainCounts: data.trainCounts,
      testCounts: data.testCounts,
      trainSeconds: training.seconds,
      accuracy: report.accuracy,
      classes: report.classes,
      macro: report.macro,
      weighted: report.weighted,
      confusion: report.confusion,
      history: h,
      explained: explained.map(({ index, truth, predicted, confidence }) => ({ index, truth, predicted, confidence })),
      parts: times.map((t, i) => (i === 5 ? { name: t.name, seconds: reportSeconds } : t)),
    };
    const html = reportPage(result, classNames, summary, data.synthetic);
    await writeFileAtomic(join(outDir, 'report.json'), `${JSON.stringify(result, null, 2)}\n`, 'runTour');
    await writeFileAtomic(join(outDir, 'report.html'), html, 'runTour');
    return result;
  } finally {
    tf.dispose([train.images, train.labels, test.images, test.labels]);
    model.dispose();
    optimizer.dispose(); // model.dispose() leaves the optimizer's slots alone
  }
}

/** The HTML page of a finished tour. */
function reportPage(r: TourReport, classNames: string[], svgs: Record<string, string>, synthetic: boolean): string {
  const seconds = (name: string) => r.parts.find((p) => p.name === name)?.seconds ?? 0;
  const num = (value: number, digits = 3): Cell => ({ value, digits });
  const why = r.skipped.map((s) => `<li>passed over <b>${s.name}</b>: ${escapeHtml(s.reason)}</li>`).join('');
  const sections: Section[] = [
    {
      id: 'backend',
      title: '1 Backend',
      seconds: seconds('backend'),
      body: `<p>Training ran on <b id="backend-name">${r.backend}</b>${r.adapter ? ` (${escapeHtml(r.adapter.description)})` : ''}. ${escapeHtml(backendWhy(r.order, r.skipped, r.backend))}</p>${why ? `<ul>${why}</ul>` : ''}`,
    },
    {
      id: 'data',
      title: '2 Data',
      seconds: seconds('data'),
      body: `<p${synthetic ? ' class="warn"' : ''}>${escapeHtml(r.source)}: <span id="train-count">${count(r.train)}</span> training and <span id="test-count">${count(r.test)}</span> test digits (stratified split, seed 42).</p>${figure(svgs.samples, 'The first three training digits of each class.')}${figure(svgs.counts, 'Both sets have the same class mix.')}`,
    },
    {
      id: 'training',
      title: '3 Training',
      seconds: seconds('training'),
      body: `<p>The reference CNN (conv 32 3×3, max-pool, conv 64 3×3, max-pool, dense ${classNames.length}, softmax), Adam at 1e-3, batch 64, ${r.epochs} epochs, a tenth of the training digits held out for validation: ${r.trainSeconds.toFixed(1)} s of training.</p>${figure(svgs.loss, 'Training loss as the mean of every few batches; validation loss after each epoch.')}${figure(svgs.accuracy, 'Training and validation accuracy.')}${table(
        'epochs',
        ['epoch', 'loss', 'accuracy', 'validation loss', 'validation accuracy'],
        r.history.epochs.map((e) => [
          String(e.epoch),
          num(e.loss, 4),
          num(e.accuracy, 4),
          num(e.valLoss, 4),
          num(e.valAccuracy, 4),
        ]),
      )}`,
    },
    {
      id: 'evaluation',
      title: '4 Evaluation',
      seconds: seconds('evaluation'),
      body: `<p>Test accuracy <b id="accuracy">${pct(r.accuracy)}</b> on ${count(r.test)} held-out digits; macro F1 ${r.macro.f1.toFixed(3)}.</p>${figure(svgs.confusion, 'Rows: the true class; columns: the predicted class.')}${figure(svgs.perClass, 'F1, the harmonic mean of precision and recall (both in the table below).')}${table(
        'per-class',
        ['class', 'precision', 'recall', 'F1', 'support'],
        [
          ...r.classes.map((c) => [c.name, num(c.precision), num(c.recall), num(c.f1), String(c.support)]),
          ['macro avg', num(r.macro.precision), num(r.macro.recall), num(r.macro.f1), String(r.macro.support)],
          [
            'weighted avg',
            num(r.weighted.precision),
            num(r.weighted.recall),
            num(r.weighted.f1),
            String(r.weighted.support),
          ],
        ],
        'Per-class report',
      )}<details><summary>The confusion matrix as numbers</summary>${table(
        'confusion',
        ['true \\ predicted', ...classNames],
        r.confusion.map((row, i) => [classNames[i], ...row.map(String)]),
      )}</details>`,
    },
    {
      id: 'explanation',
      title: '5 Explanation',
      seconds: seconds('explanation'),
      body: `<p>Heatmaps of the evidence for the predicted class: LRP (red for, blue against, over the digit) and SmoothGrad² (where small changes matter most). The last row is the test digit the CNN got wrong with the most confidence.</p>${figure(svgs.heatmaps, 'Rows: test digits, true class → predicted class (✗: wrong).')}${table(
        'explained',
        ['test digit', 'true', 'predicted', 'confidence'],
        r.explained.map((d) => [`#${d.index}`, classNames[d.truth], classNames[d.predicted], num(d.confidence)]),
      )}`,
    },
    {
      id: 'report',
      title: '6 Report',
      seconds: seconds('report'),
      body: `<p>This page (report.html), report.json with the same numbers and the checkpoint (checkpoint/, model and Adam state, loadable with <code>loadCheckpoint</code>).</p>${table(
        'times',
        ['part', 'seconds'],
        [
          ...r.parts.map((p) => [p.name, num(p.seconds, 1)]),
          [
            'total',
            num(
              r.parts.reduce((a, p) => a + p.seconds, 0),
              1,
            ),
          ],
        ],
        'Time of each part',
      )}`,
    },
  ];
  const lead = `${synthetic ? 'SYNTHETIC stand-in, not MNIST · ' : ''}${r.backend} · ${count(r.train)} training / ${count(r.test)} test digits · ${r.epochs} epochs · test accuracy ${pct(r.accuracy)}`;
  return page('Tiefe: the MNIST tour', escapeHtml(lead), sections);
}
