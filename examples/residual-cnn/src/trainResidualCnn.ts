/**
 * Residual CNN on MNIST digits with @tiefe/blocks: a stem convolution, three residual blocks (the second and
 * third with stride 2 and projection shortcuts), global average pooling and a softmax. Trains on the first
 * digits of the MNIST test file, validates on the next 1,000, and writes `curves.png` (loss and accuracy per
 * epoch) and `predictions.png` (64 validation digits, green frame = right, red = wrong).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { classifierHead, convUnit, residualBlock } from '@tiefe/blocks';
import { concatCharts, imageGridChart, lineChart, writeChart } from '@tiefe/charts';
import { blankImage, drawImage, initBackend, type RgbaImage, seed } from '@tiefe/core';
import { loadMnist } from '@tiefe/datasets';

/** Options of {@link trainResidualCnn}; the defaults are the full run. */
export interface ResidualCnnOptions {
  /** Folder with the official t10k IDX files. */
  mnistDir: string;
  /** Where curves.png and predictions.png go. */
  outDir: string;
  /** Training digits (default 1,500). */
  train?: number;
  /** Validation digits, the ones after the training digits (default 1,000; at least 64 for the grid). */
  validation?: number;
  /** Epochs (default 6). */
  epochs?: number;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** What {@link trainResidualCnn} measured and wrote. */
export interface ResidualCnnResult {
  history: { loss: number[]; acc: number[]; val_loss: number[]; val_acc: number[] };
  /** Of the 64 validation digits drawn, how many were predicted wrong. */
  wrongShown: number;
  files: { curves: string; predictions: string };
}

function buildModel(): tfl.LayersModel {
  const input = tfl.input({ shape: [28, 28, 1] });
  // Batch-norm momentum 0.9: a short training must move the moving statistics off their initial 0 / 1.
  let x = convUnit(input, { filters: 8, batchNorm: true, bnMomentum: 0.9 });
  x = residualBlock(x, { filters: 8, bnMomentum: 0.9 });
  x = residualBlock(x, { filters: 16, strides: 2, bnMomentum: 0.9 }); // 14x14, projection shortcut
  x = residualBlock(x, { filters: 32, strides: 2, bnMomentum: 0.9 }); // 7x7
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: classifierHead(x, 10), name: 'residual_cnn' });
}

/** Each digit in a 2-pixel frame: green when predicted right, red when wrong (32 x 32 images). */
function framedDigits(pixels: Float32Array, right: boolean[]): RgbaImage[] {
  return right.map((ok, k) => {
    const framed = blankImage(32, 32, ok ? [40, 160, 60] : [220, 40, 40]);
    const digit = blankImage(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = Math.round(255 * pixels[k * 784 + i]);
      digit.data.set([v, v, v, 255], 4 * i);
    }
    return drawImage(framed, digit, 2, 2);
  });
}

/** Loss and accuracy per epoch, training and validation, side by side. */
function curvesChart(history: ResidualCnnResult['history']) {
  const points = (values: number[]) => values.map((v, i) => [i + 1, v] as [number, number]);
  const curve = (title: string, y: string, train: number[], val: number[]) =>
    lineChart({
      title,
      x: { title: 'epoch' },
      y: { title: y },
      series: [
        { name: 'training', points: points(train) },
        { name: 'validation', points: points(val) },
      ],
      width: 300,
    });
  return concatCharts([
    curve('Loss', 'loss (cross-entropy)', history.loss, history.val_loss),
    curve('Accuracy', 'accuracy (fraction correct)', history.acc, history.val_acc),
  ]);
}

/** Trains the residual CNN, logs each epoch and writes the two PNGs. */
export async function trainResidualCnn(options: ResidualCnnOptions): Promise<ResidualCnnResult> {
  const { mnistDir, outDir, train = 1500, validation = 1000, epochs = 6, log = console.log } = options;
  const backend = await initBackend();
  seed(42);
  const { images, labels } = await loadMnist({ dir: mnistDir, split: 'test', limit: train + validation });
  const [xTrain, xVal] = tf.split(images, [train, validation]);
  const [yTrain, yVal] = tf.split(labels, [train, validation]);

  const model = buildModel();
  log(
    `backend ${backend.name}; residual CNN with ${model.countParams()} parameters; ${train} training digits, ${epochs} epochs`,
  );
  const optimizer = tf.train.adam(5e-3);
  model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const fitted = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 32,
    shuffle: true,
    validationData: [xVal, yVal],
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        log(
          `epoch ${epoch + 1}: loss ${logs?.loss.toFixed(4)} acc ${logs?.acc.toFixed(4)} val_loss ${logs?.val_loss.toFixed(4)} val_acc ${logs?.val_acc.toFixed(4)}`,
        );
      },
    },
  });
  const history = fitted.history as unknown as ResidualCnnResult['history'];
  const curves = join(outDir, 'curves.png');
  await writeChart(curves, curvesChart(history));

  const show = 64;
  const first = tf.slice(xVal, 0, show);
  const firstLabels = tf.slice(yVal, 0, show);
  const pred = tf.tidy(() => tf.argMax(model.predict(first) as tf.Tensor, -1));
  const [p, truth, pix] = await Promise.all([pred.data(), firstLabels.data(), first.data()]);
  const right = Array.from(p, (v, k) => v === truth[k]);
  const predictions = join(outDir, 'predictions.png');
  const framed = framedDigits(pix as Float32Array, right);
  await writeChart(
    predictions,
    imageGridChart({
      title: `${show} validation digits: green frame = predicted right, red = wrong`,
      images: Array.from({ length: 8 }, (_, r) => framed.slice(8 * r, 8 * r + 8)),
    }),
    { scale: 1 },
  );
  const wrongShown = right.filter((ok) => !ok).length;
  const valAcc = history.val_acc[history.val_acc.length - 1];
  log(
    `validation accuracy ${(100 * valAcc).toFixed(2)}% (${wrongShown} of the ${show} shown are wrong); wrote ${curves} and ${predictions}`,
  );
  tf.dispose([images, labels, xTrain, xVal, yTrain, yVal, pred, first, firstLabels]);
  model.dispose();
  optimizer.dispose();
  return { history, wrongShown, files: { curves, predictions } };
}
