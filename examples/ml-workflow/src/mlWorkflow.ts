/**
 * The `npm start` program: the course's "7 steps to successful machine learning" (7.9, Zusammenfassung) on real
 * MNIST digits, each step a call into Tiefe, each step's findings in one report:
 *
 * 1. problem and task: classify 28x28 grey digits into 10 classes, judged by held-out accuracy;
 * 2. approach: a small CNN (blocks' `smallCnn`), the standard choice for small images;
 * 3. data: datasets' `datasetReport` (class balance, statistics, corrupt/constant images, duplicates within
 *    and across the train/test split);
 * 4. features: none engineered, the CNN learns them; pixels scaled to [0, 1];
 * 5. training: `smallCnn` fitted on the training split;
 * 6. evaluation: k-fold cross-validation on the training split (core's `crossValidate` through datasets'
 *    `outOfFoldProbabilities`, whose out-of-fold probabilities also give `findLabelIssues`' suspected label
 *    errors), then the held-out test split (`classificationReport`);
 * 7. deployment, "only when the model is surely robust enough": deploy's `robustnessReport` (augmentations,
 *    Gaussian noise, Fashion-MNIST as out-of-distribution set), `quantizeModel` + `evaluateQuantization`, the
 *    saved float32 and quantised models, and a `modelCard`.
 *
 * Writes to `outDir`: report.md, report.json, model-card.md, model-card.json, model/ (float32) and
 * model-<dtype>/ (the quantised model, loadable with `tf.loadLayersModel`).
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { type SmallCnnOptions, smallCnn } from '@tiefe/blocks';
import { type CrossValidationResult, classificationReport, initBackend, seed, stratifiedKFold } from '@tiefe/core';
import {
  datasetReport,
  findLabelIssues,
  formatDatasetReport,
  loadFashionMnist,
  loadMnist,
  MNIST_CLASSES,
  outOfFoldProbabilities,
  trainTestSplit,
} from '@tiefe/datasets';
import {
  evaluateQuantization,
  type ModelCardData,
  modelCard,
  type QuantizationDtype,
  type QuantizationEvaluation,
  type QuantizationReport,
  quantizeModel,
  type RobustnessReport,
  robustnessReport,
} from '@tiefe/deploy';

/** Options of {@link mlWorkflow}. */
export interface MlWorkflowOptions {
  /** Folder with the official MNIST t10k IDX files (the 10,000 real test digits). */
  mnistDir: string;
  /** Folder with the Fashion-MNIST sample, the out-of-distribution set (skipped when absent or undefined). */
  fashionDir?: string;
  /** Where the reports and models go. */
  outDir: string;
  /** Use only the first `limit` digits (default all 10,000). */
  limit?: number;
  /** Held-out test digits, a count or a fraction (default 0.2: 2,000 of 10,000), a stratified split with seed 42. */
  testSize?: number;
  /** Cross-validation folds (default 3). */
  folds?: number;
  /** Epochs of the final model (default 2). */
  epochs?: number;
  /** Epochs of each cross-validation fold (default `epochs`: the folds judge the same recipe). */
  cvEpochs?: number;
  /** Adam's learning rate (default 1e-3). */
  learningRate?: number;
  /** Options of `smallCnn` (default its defaults; the smoke test uses a narrow one). */
  model?: SmallCnnOptions;
  /** The largest accuracy loss (fraction) uint8 may cost before float16 is deployed instead (default 0.005). */
  maxQuantizationLoss?: number;
  /** Backends in order of preference (default: initBackend's); `false` keeps the backend already set. */
  backends?: ('webgpu' | 'wasm' | 'cpu')[] | false;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** What {@link mlWorkflow} writes to `report.json`. */
export interface MlWorkflowReport {
  backend: string;
  steps: { step: number; title: string; summary: string }[];
  data: { train: number; test: number; classCounts: number[]; duplicatesAcrossSplits: number; labelIssues: number[] };
  crossValidation: { metric: string; folds: number; scores: number[]; mean: number; std: number };
  test: { accuracy: number; macroF1: number; trainingSeconds: number };
  robustness: RobustnessReport;
  quantization: { report: Omit<QuantizationReport, 'weights'>; evaluation: QuantizationEvaluation }[];
  deployed: { dtype: QuantizationDtype; folder: string };
  card: ModelCardData;
}

/** Writes a file through a temporary name and a rename, so no reader sees half of it. */
function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;

/** Runs the seven steps; returns (and writes) the report. */
export async function mlWorkflow(options: MlWorkflowOptions): Promise<MlWorkflowReport> {
  const log = options.log ?? console.log;
  const {
    outDir,
    folds = 3,
    epochs = 2,
    cvEpochs = epochs,
    learningRate = 1e-3,
    maxQuantizationLoss = 0.005,
  } = options;
  if (options.backends !== false) await initBackend(options.backends ? { prefer: options.backends } : {});
  mkdirSync(outDir, { recursive: true });
  const steps: MlWorkflowReport['steps'] = [];
  const step = (title: string, summary: string) => {
    steps.push({ step: steps.length + 1, title, summary });
    log(`${steps.length}. ${title}: ${summary}`);
  };
  step(
    'Problem and task',
    'classify 28x28 grey handwritten digits into 10 classes; success = accuracy on held-out digits, robust to small perturbations.',
  );
  step(
    'Approach',
    'a small CNN (blocks smallCnn: two conv stages with batch norm, dense head), the standard model for small images.',
  );

  // 3. Data.
  const all = await loadMnist({ dir: options.mnistDir, split: 'test', limit: options.limit });
  const { train, test } = trainTestSplit(all, { testSize: options.testSize ?? 0.2, seed: 42, stratify: true });
  tf.dispose([all.images, all.labels]);
  const data = await datasetReport(train.images, train.labels, { testImages: test.images, testLabels: test.labels });
  const dataText = formatDatasetReport(data, { classNames: MNIST_CLASSES });
  const across = data.acrossSplits ? data.acrossSplits.exact + data.acrossSplits.near : 0;
  step(
    'Data',
    `${data.train.size} training / ${data.test?.size ?? 0} test digits; ${across} duplicate pairs across the split; class counts ${data.train.classCounts.join(', ')}.`,
  );
  step('Features', 'none engineered: the CNN learns its features; pixels are scaled to [0, 1] by loadMnist.');

  // 5. Training.
  const createModel = (s: number): tfl.LayersModel => {
    seed(s);
    const m = smallCnn(options.model);
    m.compile({ optimizer: tf.train.adam(learningRate), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    return m;
  };
  const model = createModel(1);
  const t0 = performance.now();
  await model.fit(train.images, train.labels, { epochs, batchSize: 64, shuffle: true, verbose: 0 });
  const trainingSeconds = (performance.now() - t0) / 1000;
  step(
    'Training',
    `smallCnn (${model.countParams().toLocaleString('en-US')} parameters), ${epochs} epoch(s), Adam ${learningRate}, batch 64, ${trainingSeconds.toFixed(0)} s.`,
  );

  // 6. Evaluation: cross-validation on the training split (its out-of-fold probabilities also check the labels),
  // then the held-out test split once.
  const trainLabels = Array.from(train.labels.dataSync());
  const oof = await outOfFoldProbabilities({
    createModel: (f) => createModel(100 + f),
    x: train.images,
    y: train.labels,
    splitter: stratifiedKFold(trainLabels, { k: folds, shuffle: true, seed: 1 }),
    fitArgs: { epochs: cvEpochs, batchSize: 64, shuffle: true },
  });
  const issues = findLabelIssues(trainLabels, oof.probabilities);
  oof.probabilities.dispose();
  // outOfFoldProbabilities scores each fold by its held-out accuracy (crossValidate calls it 'custom').
  const cv: CrossValidationResult = { ...oof.cv, metric: 'accuracy' };
  const predicted = model.predict(test.images, { batchSize: 256 }) as tf.Tensor;
  const cls = await classificationReport(test.labels, predicted, { classNames: [...MNIST_CLASSES] });
  predicted.dispose();
  step(
    'Evaluation',
    `${folds}-fold cross-validation accuracy ${pct(cv.mean)} ± ${pct(cv.std)} (${cvEpochs} epoch(s) per fold); held-out test accuracy ${pct(cls.accuracy)}, macro F1 ${cls.macro.f1.toFixed(4)}; ${issues.indices.length} suspected label errors in the training split (confident learning).`,
  );

  // 7. Deployment checks.
  let ood: tf.Tensor4D | undefined;
  if (options.fashionDir && existsSync(options.fashionDir)) {
    const parts = await Promise.all(
      (['train', 'test'] as const).map((split) => loadFashionMnist({ dir: options.fashionDir as string, split })),
    );
    ood = tf.concat(parts.map((p) => p.images)) as tf.Tensor4D;
    tf.dispose(parts.flatMap((p) => [p.images, p.labels]));
  }
  const robustness = await robustnessReport(model, { x: test.images, y: test.labels, ood, seed: 1 });
  ood?.dispose();
  const floatDir = join(outDir, 'model');
  rmSync(floatDir, { recursive: true, force: true });
  await model.save(`file://${floatDir}`);
  const quantization: MlWorkflowReport['quantization'] = [];
  for (const dtype of ['float16', 'uint8'] as const) {
    const q = await quantizeModel(`file://${join(floatDir, 'model.json')}`, { dtype });
    const evaluation = await evaluateQuantization(model, q, test.images, test.labels);
    const { weights: _, ...report } = q.report;
    quantization.push({ report, evaluation });
  }
  const uint8 = quantization[1];
  const dtype: QuantizationDtype = uint8.evaluation.delta >= -maxQuantizationLoss ? 'uint8' : 'float16';
  const deployedDir = join(outDir, `model-${dtype}`);
  rmSync(deployedDir, { recursive: true, force: true });
  await quantizeModel(`file://${join(floatDir, 'model.json')}`, { dtype, save: `file://${deployedDir}` });
  const worstNoise = robustness.noise[robustness.noise.length - 1];
  step(
    'Deployment',
    `robustness: worst augmentation ${[...robustness.augmentations].sort((a, b) => a.accuracy - b.accuracy)[0]?.name ?? 'none'}, ${worstNoise ? `${worstNoise.name} ${pct(worstNoise.accuracy)}` : 'no noise'}${robustness.ood ? `, OOD AUROC ${robustness.ood.auroc.toFixed(3)}` : ''}; uint8 ${quantization[1].report.bytesAfter} bytes (${pct(uint8.evaluation.accuracyAfter)}), float16 ${quantization[0].report.bytesAfter} bytes (${pct(quantization[0].evaluation.accuracyAfter)}); deployed ${dtype} in ${deployedDir}.`,
  );

  const card = modelCard({
    name: 'tiefe-mnist-smallcnn',
    description:
      'A small CNN that classifies 28x28 grey handwritten digits (0-9), trained with Tiefe on TensorFlow.js.',
    model: {
      architecture: 'blocks smallCnn',
      parameters: model.countParams(),
      framework: 'TensorFlow.js 4.22 (tfjs-layers)',
    },
    intendedUse:
      'Teaching and demonstrating the seven steps of a machine-learning project; recognising centred handwritten digits like MNIST.',
    limitations: [
      'Trained on part of the 10,000 MNIST test digits only: not representative of other handwriting, scripts or scanners.',
      'Not for decisions about people (e.g. reading forms) without evaluation on the target data.',
      robustness.ood
        ? `Out-of-distribution inputs are only partly recognised by the maximum softmax probability (AUROC ${robustness.ood.auroc.toFixed(3)} against Fashion-MNIST); it answers with a digit for any image.`
        : 'It answers with a digit for any image; no out-of-distribution check was run.',
    ],
    data: {
      name: 'MNIST',
      source: 'the 10,000 official test digits, stratified split seed 42',
      train: data.train.size,
      test: data.test?.size ?? 0,
      classes: [...MNIST_CLASSES],
      notes: [
        `class counts (train): ${data.train.classCounts.join(', ')}`,
        `duplicate pairs across the train/test split: ${across}`,
        `suspected label errors (confident learning on ${folds}-fold out-of-fold probabilities): ${issues.indices.length}`,
      ],
    },
    metrics: { accuracy: cls.accuracy, 'macro F1': cls.macro.f1 },
    crossValidation: cv,
    robustness,
    quantization: quantization.map((q) => ({ report: { ...q.report, weights: [] }, evaluation: q.evaluation })),
  });
  model.dispose();
  tf.dispose([train.images, train.labels, test.images, test.labels]);

  const report: MlWorkflowReport = {
    backend: tf.getBackend(),
    steps,
    data: {
      train: data.train.size,
      test: data.test?.size ?? 0,
      classCounts: data.train.classCounts,
      duplicatesAcrossSplits: across,
      labelIssues: issues.indices.slice(0, 50),
    },
    crossValidation: card.data.crossValidation as MlWorkflowReport['crossValidation'],
    test: { accuracy: cls.accuracy, macroF1: cls.macro.f1, trainingSeconds },
    robustness,
    quantization,
    deployed: { dtype, folder: deployedDir },
    card: card.data,
  };
  const markdown = [
    '# ML workflow report: MNIST digits',
    '',
    `Backend ${report.backend}.`,
    '',
    ...steps.map((s) => `${s.step}. **${s.title}**: ${s.summary}`),
    '',
    '## Data report',
    '',
    '```text',
    dataText.trimEnd(),
    '```',
    '',
    '## Held-out classification report',
    '',
    '```text',
    cls.toString().trimEnd(),
    '```',
    '',
    '## Model card',
    '',
    'See model-card.md.',
    '',
  ].join('\n');
  writeAtomic(join(outDir, 'report.md'), markdown);
  writeAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeAtomic(join(outDir, 'model-card.md'), card.markdown);
  writeAtomic(join(outDir, 'model-card.json'), card.json);
  return report;
}
