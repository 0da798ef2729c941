/**
 * Residual CNN on MNIST digits with @tiefe/blocks: a stem convolution, three residual blocks (the second and
 * third with stride 2 and projection shortcuts), global average pooling and a softmax. Trains on a few
 * thousand of the 10,000 digits in ../shared/data/mnist, validates on 1,000 others, and writes
 * out/curves.png (loss and accuracy per epoch) and out/predictions.png (validation digits, green frame =
 * right, red = wrong).
 *
 * Run: node --import tsx --import @tiefe/core/register examples/residual-cnn/src/main.ts
 * Env: TRAIN (digits, default 1500), EPOCHS (default 6), TIEFE_BACKEND (e.g. cpu, webgpu).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { classifierHead, convUnit, residualBlock } from '@tiefe/blocks';
import { initBackend, seed } from '@tiefe/core';
import { Canvas, lineChart } from './png.js';

const DATA = fileURLToPath(new URL('../../../../shared/data/mnist/', import.meta.url));
const OUT = fileURLToPath(new URL('../out/', import.meta.url));

function readIdx(name: string): { dims: number[]; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(DATA + name));
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const rank = view.getUint8(3);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  return {
    dims,
    data: new Uint8Array(
      buf.buffer,
      buf.byteOffset + 4 + 4 * rank,
      dims.reduce((a, b) => a * b, 1),
    ),
  };
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

async function main(): Promise<void> {
  const backend = await initBackend();
  seed(42);
  const trainN = Number(process.env.TRAIN ?? 1500);
  const epochs = Number(process.env.EPOCHS ?? 6);
  const valN = 1000;
  const images = readIdx('t10k-images-idx3-ubyte.gz');
  const labels = readIdx('t10k-labels-idx1-ubyte.gz');
  const n = trainN + valN;
  const x = tf.tidy(() => tf.div(tf.tensor4d(images.data.subarray(0, n * 784), [n, 28, 28, 1], 'float32'), 255));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from(labels.data.subarray(0, n)), 'int32'), 10));
  const [xTrain, xVal] = tf.split(x, [trainN, valN]);
  const [yTrain, yVal] = tf.split(y, [trainN, valN]);

  const model = buildModel();
  console.log(
    `backend ${backend.name}; residual CNN with ${model.countParams()} parameters; ${trainN} training digits, ${epochs} epochs`,
  );
  model.compile({ optimizer: tf.train.adam(5e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(xTrain, yTrain, {
    epochs,
    batchSize: 32,
    shuffle: true,
    validationData: [xVal, yVal],
    verbose: 0,
    callbacks: {
      onEpochEnd: async (epoch, logs) => {
        console.log(
          `epoch ${epoch + 1}: loss ${logs?.loss.toFixed(4)} acc ${logs?.acc.toFixed(4)} val_loss ${logs?.val_loss.toFixed(4)} val_acc ${logs?.val_acc.toFixed(4)}`,
        );
      },
    },
  });
  const h = history.history as Record<string, number[]>;
  lineChart(`${OUT}curves.png`, [
    {
      series: [
        { values: h.loss, color: [31, 119, 180] },
        { values: h.val_loss, color: [255, 127, 14] },
      ],
    },
    {
      series: [
        { values: h.acc, color: [31, 119, 180] },
        { values: h.val_acc, color: [255, 127, 14] },
      ],
    },
  ]);

  // 64 validation digits, framed green (right) or red (wrong).
  const show = 64;
  const pred = tf.tidy(() => tf.argMax(model.predict(tf.slice(xVal, 0, show)) as tf.Tensor, -1));
  const p = await pred.data();
  const first = tf.slice(xVal, 0, show);
  const pix = await first.data();
  const cell = 32;
  const canvas = new Canvas(8 * cell, 8 * cell, [0, 0, 0]);
  let wrong = 0;
  for (let k = 0; k < show; k++) {
    const ok = p[k] === labels.data[trainN + k];
    if (!ok) wrong++;
    const [cx, cy] = [(k % 8) * cell, Math.floor(k / 8) * cell];
    canvas.rect(cx + 1, cy + 1, 30, 30, ok ? [40, 160, 60] : [220, 40, 40]);
    for (let i = 0; i < 28; i++)
      for (let j = 0; j < 28; j++) {
        const v = Math.round(255 * pix[k * 784 + i * 28 + j]);
        canvas.pixel(cx + 2 + j, cy + 2 + i, [v, v, v]);
      }
  }
  canvas.save(`${OUT}predictions.png`);
  const valAcc = h.val_acc[h.val_acc.length - 1];
  console.log(
    `validation accuracy ${(100 * valAcc).toFixed(2)}% (${wrong} of the ${show} shown are wrong); wrote ${OUT}curves.png and ${OUT}predictions.png`,
  );
  tf.dispose([x, y, xTrain, xVal, yTrain, yVal, pred, first]);
  model.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
