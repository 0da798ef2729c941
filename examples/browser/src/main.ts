/**
 * The browser page's program: starts Tiefe's backends in the page (the default order, which puts a software
 * WebGPU adapter behind wasm, then webgpu and cpu explicitly), and on each trains small models from every
 * package with the same seeded weights, so their losses can be compared across backends:
 *
 * - core + datasets: a dense classifier on `syntheticShapeClasses`, fitted with `earlyStopping` (wasm only) and
 *   stepped with SGD on every backend;
 * - blocks: a tiny `smallCnn` (conv, batch norm, pooling), SGD steps;
 * - losses + blocks: a one-level `unet` on `syntheticShapes2d` masks with `diceLoss`, SGD steps;
 * - explain: the LRP map of the stepped `smallCnn`.
 *
 * The report is shown on the page and left in `window.tiefeReport` (a promise) for the Playwright test.
 */
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { smallCnn, unet } from '@tiefe/blocks';
import { type AdapterInfo, type BackendName, earlyStopping, initBackend, seed } from '@tiefe/core';
import { syntheticShapeClasses, syntheticShapes2d } from '@tiefe/datasets';
import { lrp } from '@tiefe/explain';
import { diceLoss } from '@tiefe/losses';

/** What one backend gave. */
export interface BackendReport {
  name: BackendName;
  adapter?: AdapterInfo;
  skipped: Array<{ name: BackendName; reason: string }>;
  /** Loss after each SGD step, per model (the same seeded weights and batches on every backend). */
  losses: { dense: number[]; smallCnn: number[]; unetDice: number[] };
  /** LRP relevance of the first image for the smallCnn after {@link COMPARED_STEPS} steps. */
  lrpMap: number[];
  /** `tf.memory().numTensors` before and after this backend's work (models disposed). */
  tensorsBefore: number;
  tensorsAfter: number;
  ms: number;
}

/** The whole page's result. */
export interface BrowserReport {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  /** XNNPACK threads of the wasm backend. */
  wasmThreads: number;
  /** Per-epoch loss and accuracy of the dense classifier fitted on wasm. */
  fit: { loss: number[]; acc: number[] };
  backends: BackendReport[];
}

declare global {
  interface Window {
    tiefeReport?: Promise<BrowserReport>;
  }
}

const SIZE = 12;
/** Steps every backend takes (SwiftShader's WebGPU is slow); wasm takes more to show the losses fall. */
export const COMPARED_STEPS = 2;
const CLASSES = 6;

function classData(n: number, seedValue: number) {
  const { images, labels } = syntheticShapeClasses({ n, size: SIZE, seed: seedValue });
  return { x: images as tf.Tensor4D, y: labels as tf.Tensor1D };
}

function denseModel(): tfl.LayersModel {
  seed(11);
  const input = tfl.input({ shape: [SIZE, SIZE, 1] });
  const hidden = tfl.layers.dense({ units: 16, activation: 'relu' }).apply(tfl.layers.flatten().apply(input));
  const output = tfl.layers.dense({ units: CLASSES, activation: 'softmax' }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

function cnnModel(): tfl.LayersModel {
  // Seed 12 put one batch-norm output 3e-7 below 0 on cpu and 9e-8 above it on webgpu: the ReLU's gradient
  // mask then differs in one place and the losses by 2e-3 after a step. This seed keeps every pre-ReLU value
  // clear of rounding noise, so backends must agree to 1e-4.
  seed(21);
  return smallCnn({ inputShape: [SIZE, SIZE, 1], classes: CLASSES, filters: [4, 8], dense: 16, dropout: 0 });
}

function unetModel(): tfl.LayersModel {
  seed(13);
  return unet({ inputShape: [16, 16, 1], classes: 4, depth: 1, baseFilters: 4 });
}

/** `steps` SGD steps on one batch; returns the loss of each step and leaves the model trained. */
async function sgdSteps(
  model: tfl.LayersModel,
  loss: string | ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor),
  x: tf.Tensor,
  y: tf.Tensor,
  steps: number,
): Promise<number[]> {
  const optimizer = tf.train.sgd(0.1);
  model.compile({ optimizer, loss });
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await model.trainOnBatch(x, y)) as number);
  optimizer.dispose();
  return losses;
}

/** Fits the dense classifier on wasm with Tiefe's early stopping: the per-epoch loss must fall. */
async function fitDense(): Promise<BrowserReport['fit']> {
  const { x, y } = classData(192, 1);
  const model = denseModel();
  // An optimizer passed in is the caller's to dispose (Adam keeps two moments per weight).
  const optimizer = tf.train.adam(0.01);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(x, y, {
    epochs: 12,
    batchSize: 32,
    callbacks: [earlyStopping({ monitor: 'loss', patience: 2 })],
  });
  model.dispose();
  optimizer.dispose();
  tf.dispose([x, y]);
  return { loss: history.history.loss as number[], acc: history.history.acc as number[] };
}

/** The same seeded models, batches and steps on the active backend. */
async function stepModels(steps: number): Promise<Pick<BackendReport, 'losses' | 'lrpMap'>> {
  const { x, y } = classData(16, 2);
  const dense = denseModel();
  const denseLosses = await sgdSteps(dense, 'sparseCategoricalCrossentropy', x, y, steps);
  dense.dispose();

  const cnn = cnnModel();
  const cnnLosses = await sgdSteps(cnn, 'sparseCategoricalCrossentropy', x, y, COMPARED_STEPS);
  // Explained after the steps every backend takes, so that the maps can be compared.
  const first = tf.slice(x, [0], [1]);
  const relevance = await lrp(cnn, first);
  const lrpMap = Array.from(await relevance.data());
  tf.dispose([first, relevance]);
  cnnLosses.push(...(await sgdSteps(cnn, 'sparseCategoricalCrossentropy', x, y, steps - COMPARED_STEPS)));
  cnn.dispose();
  tf.dispose([x, y]);

  const { images, masks } = syntheticShapes2d({ n: 4, size: 16, seed: 3 });
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(masks, 4), 'float32'));
  const seg = unetModel();
  const unetLosses = await sgdSteps(seg, diceLoss(), images, oneHot, steps);
  seg.dispose();
  tf.dispose([images, masks, oneHot]);
  return { losses: { dense: denseLosses, smallCnn: cnnLosses, unetDice: unetLosses }, lrpMap };
}

async function onBackend(
  start: () => ReturnType<typeof initBackend>,
  steps: number,
  extra?: () => Promise<void>,
): Promise<BackendReport> {
  const t0 = performance.now();
  const choice = await start();
  const tensorsBefore = tf.memory().numTensors;
  await extra?.();
  const stepped = await stepModels(steps);
  return {
    ...choice,
    ...stepped,
    tensorsBefore,
    tensorsAfter: tf.memory().numTensors,
    ms: Math.round(performance.now() - t0),
  };
}

/** Runs everything; `log` gets a line per stage. */
export async function runChecks(log: (line: string) => void = () => {}): Promise<BrowserReport> {
  let fit: BrowserReport['fit'] = { loss: [], acc: [] };
  const backends: BackendReport[] = [];
  // The default order: a software WebGPU adapter (SwiftShader here) goes behind wasm.
  const wasm = await onBackend(
    () => initBackend(),
    8,
    async () => {
      fit = await fitDense();
    },
  );
  backends.push(wasm);
  log(`${wasm.name}: ${JSON.stringify(wasm.losses)} (${wasm.ms} ms)`);
  const wasmThreads = wasm.name === 'wasm' ? getThreadsCount() : 0;
  for (const name of ['webgpu', 'cpu'] as const) {
    const report = await onBackend(() => initBackend({ prefer: [name] }), COMPARED_STEPS);
    backends.push(report);
    log(`${name}: ${JSON.stringify(report.losses)} (${report.ms} ms)`);
  }
  seed(undefined);
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    wasmThreads,
    fit,
    backends,
  };
}

if (typeof document !== 'undefined') {
  const out = document.getElementById('log');
  const log = (line: string) => {
    if (out) out.textContent += `${line}\n`;
  };
  window.tiefeReport = runChecks(log);
  window.tiefeReport.then(
    (r) => log(`done: wasm threads ${r.wasmThreads}, fit loss ${r.fit.loss.map((v) => v.toFixed(3)).join(' ')}`),
    (e: Error) => log(`failed: ${e.message}`),
  );
}
