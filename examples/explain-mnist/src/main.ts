/**
 * Explains a small MNIST CNN with LRP, SmoothGrad and Prediction Difference Analysis and writes
 * out/explain-grid.png: one row per digit with the digit, then the LRP, SmoothGrad and PDA maps.
 *
 * Data: the MNIST test file from ../shared/data/mnist beside the repository (or MNIST_DIR). The CNN is trained
 * here on 6000 of those digits (2 epochs) and saved to out/model/; later runs load it from there.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend, seed } from '@tiefe/core';
import {
  composites,
  imageGrid,
  lrp,
  overlay,
  predictionDifference,
  type RgbaImage,
  renderHeatmaps,
  renderInput,
  smoothGrad,
  upscale,
} from '@tiefe/explain';
import { writePng } from '@tiefe/explain/node';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const mnistDir = process.env.MNIST_DIR ?? join(root, '../../../shared/data/mnist');
const outDir = join(root, 'out');
const modelDir = join(outDir, 'model');

function loadMnist(count: number, offset: number): { x: tf.Tensor4D; labels: number[] } {
  const images = gunzipSync(readFileSync(join(mnistDir, 't10k-images-idx3-ubyte.gz')));
  const labels = gunzipSync(readFileSync(join(mnistDir, 't10k-labels-idx1-ubyte.gz')));
  const px = new Float32Array(count * 784);
  for (let i = 0; i < count * 784; i++) px[i] = images[16 + offset * 784 + i] / 255;
  return {
    x: tf.tensor4d(px, [count, 28, 28, 1]),
    labels: Array.from(labels.subarray(8 + offset, 8 + offset + count)),
  };
}

async function loadOrTrain(): Promise<tfl.LayersModel> {
  if (existsSync(join(modelDir, 'model.json'))) {
    const { topology, specs } = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8'));
    const weights = new Uint8Array(readFileSync(join(modelDir, 'weights.bin'))).buffer;
    console.log(`loaded the CNN from ${modelDir}`);
    return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: specs, weightData: weights }));
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
  const train = loadMnist(6000, 0);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(train.labels, 'int32'), 10));
  model.compile({ optimizer: tf.train.adam(0.003), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  console.log('training the CNN on 6000 digits (2 epochs) ...');
  await model.fit(train.x, y, {
    epochs: 2,
    batchSize: 64,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochEnd: async (e, logs) =>
        console.log(`epoch ${e + 1}: loss ${logs?.loss.toFixed(3)}, accuracy ${logs?.acc.toFixed(3)}`),
    },
  });
  tf.dispose([train.x, y]);
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      mkdirSync(modelDir, { recursive: true });
      writeFileSync(join(modelDir, 'weights.bin.tmp'), new Uint8Array(a.weightData as ArrayBuffer));
      renameSync(join(modelDir, 'weights.bin.tmp'), join(modelDir, 'weights.bin'));
      writeFileSync(
        join(modelDir, 'model.json.tmp'),
        JSON.stringify({ topology: a.modelTopology, specs: a.weightSpecs }),
      );
      renameSync(join(modelDir, 'model.json.tmp'), join(modelDir, 'model.json'));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return model;
}

async function main(): Promise<void> {
  const backend = await initBackend();
  console.log(`backend: ${backend.name}`);
  const model = await loadOrTrain();
  const { x, labels } = loadMnist(8, 9000);
  const reference = loadMnist(500, 7000).x;

  const t0 = performance.now();
  const relevance = await lrp(model, x, { target: labels, composite: composites.epsilonGammaBox({ low: 0, high: 1 }) });
  const t1 = performance.now();
  const sg = await smoothGrad(model, x, { target: labels, samples: 50, noiseLevel: 0.15, variant: 'squared' });
  const t2 = performance.now();
  const pda = await predictionDifference(model, x, {
    target: labels,
    data: reference,
    windowSize: 4,
    stride: 2,
    samples: 8,
  });
  const t3 = performance.now();
  console.log(
    `LRP ${(t1 - t0).toFixed(0)} ms, SmoothGrad ${(t2 - t1).toFixed(0)} ms, PDA ${(t3 - t2).toFixed(0)} ms (8 digits)`,
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
    rows.push(
      [input, overlay(input, lrpImgs[i], { alpha: 0.8 }), sgImgs[i], overlay(input, pdaImgs[i], { alpha: 0.8 })].map(
        (im) => upscale(im, 4),
      ),
    );
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'explain-grid.png');
  writePng(file, imageGrid(rows, { padding: 4 }));
  console.log(`wrote ${file}: rows = digits ${labels.join(' ')}; columns = digit, LRP, SmoothGrad^2, PDA`);
  tf.dispose([x, reference, relevance, sg, pda]);
  model.dispose();
}

main().then(
  () => process.exit(0), // Dawn keeps handles open
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
