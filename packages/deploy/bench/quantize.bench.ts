/**
 * What quantisation costs on real digits: blocks' `smallCnn()` (defaults, Adam, batch 64, 2 epochs; seed 1)
 * trained on 8,000 of the 10,000 real MNIST test digits of `../shared/data/mnist` (stratified split, seed 42, as
 * the getting-started program), tested on the other 2,000; then `quantizeModel` to float16, uint8 and uint16
 * (one scale and min per tensor: per-channel is not expressible in a tfjs weights manifest, see the README) and
 * `evaluateQuantization` on the 2,000 held-out digits. The same model's `robustnessReport` (default
 * augmentations, Gaussian σ 0.1/0.2/0.3, the 100 Fashion-MNIST sample images as out-of-distribution set) gives
 * the robustness rows. wasm only: training takes a few minutes here.
 */
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { smallCnn } from '@tiefe/blocks';
import { seed } from '@tiefe/core';
import { loadFashionMnist, loadMnist, trainTestSplit } from '@tiefe/datasets';
import { evaluateQuantization, quantizeModel, robustnessReport } from '@tiefe/deploy';
import type { BenchContext, BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
const EPOCHS = Number(process.env.TIEFE_DEPLOY_BENCH_EPOCHS ?? 2);

export default async function run(backend: string, context: BenchContext): Promise<BenchRow[]> {
  const mnist = await loadMnist({ dir: `${DATA}mnist`, split: 'test' });
  const { train, test } = trainTestSplit(mnist, { testSize: 2000, seed: 42, stratify: true });
  const fashion = ['train', 'test'] as const;
  const ood = await Promise.all(
    fashion.map((split) => loadFashionMnist({ dir: `${DATA}fashion-mnist-sample`, split })),
  );
  const oodImages = tf.concat(ood.map((d) => d.images)) as tf.Tensor4D;
  seed(1);
  const model = smallCnn();
  model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const t0 = performance.now();
  await model.fit(train.images, train.labels, {
    epochs: EPOCHS,
    batchSize: 64,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (e, logs) => context.progress(`epoch ${e + 1}/${EPOCHS}, loss ${logs?.loss.toFixed(4)}`),
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const setup = `smallCnn, ${train.labels.shape[0]} train / ${test.labels.shape[0]} held-out digits, ${EPOCHS} epochs (${seconds.toFixed(0)} s training on ${backend}, loaded 2-core machine)`;
  const rows: BenchRow[] = [];
  for (const dtype of ['float16', 'uint8', 'uint16'] as const) {
    const q = await quantizeModel(model, { dtype });
    const e = await evaluateQuantization(model, q, test.images, test.labels);
    if (dtype === 'float16') {
      rows.push({
        case: 'deploy: smallCnn float32 held-out accuracy',
        value: round(e.accuracyBefore * 100, 2),
        unit: '%',
        note: setup,
      });
    }
    rows.push({
      case: `deploy: ${dtype} per-tensor quantisation, accuracy change`,
      value: round(e.delta * 100, 2),
      unit: 'points',
      target: '>= -0.5 points',
      pass: e.delta >= -0.005,
      note: `${pct(e.accuracyBefore)} -> ${pct(e.accuracyAfter)}; agreement ${pct(e.agreement)}; max |output change| ${e.maxAbsOutputDifference.toExponential(2)}; weights ${q.report.bytesBefore} -> ${q.report.bytesAfter} bytes (x${q.report.ratio.toFixed(3)}); max |weight error| ${q.report.maxAbsError.toExponential(2)}`,
    });
  }
  const r = await robustnessReport(model, { x: test.images, y: test.labels, ood: oodImages, seed: 1 });
  for (const p of [...r.augmentations, ...r.noise]) {
    rows.push({
      case: `deploy robustness: ${p.name}, accuracy`,
      value: round(p.accuracy * 100, 2),
      unit: '%',
      note: `clean ${pct(r.clean)}; drop ${round(p.drop * 100, 2)} points; 2,000 held-out digits, seed 1`,
    });
  }
  if (r.ood) {
    rows.push({
      case: 'deploy robustness: MNIST vs Fashion-MNIST sample, max-softmax AUROC',
      value: round(r.ood.auroc, 4),
      unit: 'AUROC',
      note: `${r.ood.inDistribution} digits vs ${r.ood.outOfDistribution} Fashion images; FPR at 95% TPR ${pct(r.ood.fprAt95Tpr)}; mean max-softmax ${r.ood.meanScoreIn.toFixed(3)} vs ${r.ood.meanScoreOut.toFixed(3)}`,
    });
  }
  tf.dispose([mnist.images, mnist.labels, train.images, train.labels, test.images, test.labels, oodImages]);
  for (const d of ood) tf.dispose([d.images, d.labels]);
  model.dispose();
  return rows;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
