/**
 * Explains a small MNIST CNN with LRP, SmoothGrad and Prediction Difference Analysis and writes
 * `explain-grid.png`: one row per digit with the digit, then the LRP, SmoothGrad^2 and PDA maps; and
 * `methods-grid.png`, a method comparison: digit | LRP | integrated gradients | DeepLIFT | gradient SHAP |
 * Grad-CAM | Grad-CAM++ | guided Grad-CAM | occlusion | LIME on a grid | LIME on SLIC superpixels (signed maps in
 * blue-white-red, magnitudes in hot). The CNN is
 * trained on the first digits of the MNIST test file and saved to `outDir/model/` (plain `model.save`); later
 * runs load it from there.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { imageGridChart, writeChart } from '@tiefe/charts';
import { initBackend, type RgbaImage, seed } from '@tiefe/core';
import { loadMnist } from '@tiefe/datasets';
import {
  composites,
  deepLift,
  gradCam,
  gradientShap,
  guidedGradCam,
  integratedGradients,
  lime,
  lrp,
  occlusion,
  overlay,
  predictionDifference,
  renderHeatmaps,
  renderInput,
  smoothGrad,
} from '@tiefe/explain';

/** Options of {@link explainDigits}; the defaults are the full run. */
export interface ExplainDigitsOptions {
  /** Folder with the official t10k IDX files. */
  mnistDir: string;
  /** Where explain-grid.png and model/ go. */
  outDir: string;
  /** Digits the CNN trains on (the first of the file; default 6,000). */
  train?: number;
  /** Training epochs (default 2). */
  epochs?: number;
  /** Digits explained, from index 9,000 on (default 8). */
  digits?: number;
  /** SmoothGrad samples (default 50). */
  smoothGradSamples?: number;
  /** PDA samples per window (default 8) and digits its Gaussians are fitted to (from index 7,000; default 500). */
  pdaSamples?: number;
  pdaReference?: number;
  /** LIME samples per digit (default 200) and gradient SHAP samples per digit (default 50). */
  limeSamples?: number;
  shapSamples?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

async function loadOrTrain(
  modelDir: string,
  images: tf.Tensor4D,
  labels: tf.Tensor1D,
  epochs: number,
  log: (line: string) => void,
): Promise<tfl.LayersModel> {
  if (existsSync(join(modelDir, 'model.json'))) {
    log(`loaded the CNN from ${modelDir}`);
    return tfl.loadLayersModel(`file://${join(modelDir, 'model.json')}`);
  }
  seed(1);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  const optimizer = tf.train.adam(0.003);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  log(`training the CNN on ${images.shape[0]} digits (${epochs} epochs) ...`);
  await model.fit(images, labels, {
    epochs,
    batchSize: 64,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (e, logs) =>
        log(`epoch ${e + 1}: loss ${logs?.loss.toFixed(3)}, accuracy ${logs?.acc.toFixed(3)}`),
    },
  });
  await model.save(`file://${modelDir}`);
  optimizer.dispose(); // model.dispose() leaves the optimizer's slots alone
  return model;
}

/** Trains (or loads) the CNN, explains the digits and writes the grid; returns its path and size. */
export async function explainDigits(
  options: ExplainDigitsOptions,
): Promise<{ file: string; labels: number[]; methodsFile: string; methods: string[] }> {
  const { mnistDir, outDir, train = 6000, epochs = 2, digits = 8, log = console.log } = options;
  const { smoothGradSamples = 50, pdaSamples = 8, pdaReference = 500, limeSamples = 200, shapSamples = 50 } = options;
  const backend = await initBackend();
  log(`backend: ${backend.name}`);
  const mnist = await loadMnist({ dir: mnistDir, split: 'test' });
  const [trainX, trainY] = [tf.slice(mnist.images, 0, train), tf.slice(mnist.labels, 0, train)];
  const model = await loadOrTrain(join(outDir, 'model'), trainX, trainY, epochs, log);
  const x = tf.slice(mnist.images, 9000, digits);
  const explained = tf.slice(mnist.labels, 9000, digits);
  const labels = Array.from(await explained.data());
  const reference = tf.slice(mnist.images, 7000, pdaReference);
  tf.dispose([mnist.images, mnist.labels, trainX, trainY, explained]);

  const t0 = performance.now();
  const composite = composites.epsilonGammaBox({ low: 0, high: 1 });
  const relevance = await lrp(model, x, { target: labels, composite });
  const t1 = performance.now();
  const sg = await smoothGrad(model, x, {
    target: labels,
    samples: smoothGradSamples,
    noiseLevel: 0.15,
    variant: 'squared',
  });
  const t2 = performance.now();
  const pda = await predictionDifference(model, x, {
    target: labels,
    data: reference,
    windowSize: 4,
    stride: 2,
    samples: pdaSamples,
  });
  const t3 = performance.now();
  log(
    `LRP ${(t1 - t0).toFixed(0)} ms, SmoothGrad ${(t2 - t1).toFixed(0)} ms, PDA ${(t3 - t2).toFixed(0)} ms (${digits} digits)`,
  );

  const [lrpImgs, sgImgs, pdaImgs] = await Promise.all([
    renderHeatmaps(relevance, { colormap: 'bwr' }),
    renderHeatmaps(sg, { colormap: 'hot' }),
    renderHeatmaps(pda, { colormap: 'bwr' }),
  ]);
  const rows: RgbaImage[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const digit = tf.slice(x, i, 1);
    const input = await renderInput(digit, { range: [0, 1] });
    digit.dispose();
    const cells = [
      input,
      overlay(input, lrpImgs[i], { alpha: 0.8 }),
      sgImgs[i],
      overlay(input, pdaImgs[i], { alpha: 0.8 }),
    ];
    rows.push(cells);
  }
  const rowHeaders = labels.map((l) => `digit ${l}`);
  const file = join(outDir, 'explain-grid.png');
  await writeChart(
    file,
    imageGridChart({
      title: 'Explanations (LRP, PDA: red for the class, blue against; SmoothGrad²: magnitude)',
      columnHeaders: ['input', 'LRP', 'SmoothGrad²', 'PDA'],
      rowHeaders,
      images: rows,
      cellSize: 112,
    }),
    { scale: 1 },
  );
  log(`wrote ${file}: rows = digits ${labels.join(' ')}; columns = digit, LRP, SmoothGrad^2, PDA`);

  // The method comparison: every map of the same digits, one column per method.
  const target = labels;
  const methods: Array<[string, () => Promise<tf.Tensor>, 'bwr' | 'hot']> = [
    ['LRP', () => lrp(model, x, { target, composite }), 'bwr'],
    ['integrated gradients', () => integratedGradients(model, x, { target, steps: 32 }), 'bwr'],
    ['DeepLIFT', () => deepLift(model, x, { target }), 'bwr'],
    ['gradient SHAP', () => gradientShap(model, x, { target, baselines: reference, samples: shapSamples }), 'bwr'],
    ['Grad-CAM', () => gradCam(model, x, { target }), 'hot'],
    ['Grad-CAM++', () => gradCam(model, x, { target, variant: 'gradCamPlusPlus' }), 'hot'],
    ['guided Grad-CAM', () => guidedGradCam(model, x, { target }), 'bwr'],
    ['occlusion', () => occlusion(model, x, { target }), 'bwr'],
    ['LIME', () => lime(model, x, { target, samples: limeSamples, cellSize: 4 }), 'bwr'],
    ['LIME (SLIC)', () => lime(model, x, { target, samples: limeSamples, superpixels: 'slic' }), 'bwr'],
  ];
  const columns: RgbaImage[][] = [];
  for (const [name, run, colormap] of methods) {
    const t = performance.now();
    const map = await run();
    columns.push(await renderHeatmaps(map, { colormap }));
    map.dispose();
    log(`${name}: ${(performance.now() - t).toFixed(0)} ms`);
  }
  const methodRows: RgbaImage[][] = [];
  for (let i = 0; i < labels.length; i++) {
    const digit = tf.slice(x, i, 1);
    const input = await renderInput(digit, { range: [0, 1] });
    digit.dispose();
    methodRows.push([input, ...columns.map((c) => overlay(input, c[i], { alpha: 0.8 }))]);
  }
  const methodsFile = join(outDir, 'methods-grid.png');
  await writeChart(
    methodsFile,
    imageGridChart({
      title: 'Attribution methods on the same digits',
      columnHeaders: ['input', ...methods.map((m) => m[0])],
      rowHeaders,
      images: methodRows,
      cellSize: 84,
    }),
    { scale: 1 },
  );
  log(`wrote ${methodsFile}: columns = digit, ${methods.map((m) => m[0]).join(', ')}`);

  tf.dispose([x, reference, relevance, sg, pda]);
  model.dispose();
  return { file, labels, methodsFile, methods: methods.map((m) => m[0]) };
}
