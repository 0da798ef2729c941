/**
 * Classify: `smallCnn` (@tiefe/blocks) trains in the page on real MNIST digits (the gallery server's copy, or
 * IDX files picked by the visitor), with live loss/accuracy curves and the confusion matrix of held-out digits;
 * a canvas to draw a digit on shows the prediction and its LRP and SmoothGrad maps (@tiefe/explain).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { smallCnn } from '@tiefe/blocks';
import { barChart, confusionMatrixChart, lineChart } from '@tiefe/charts';
import { accuracy, confusionMatrix, seed } from '@tiefe/core';
import { labelsToTensor, loadMnist, MNIST_CLASSES, pixelsToTensor, readIdx } from '@tiefe/datasets';
import { lrp, renderHeatmap, smoothGrad } from '@tiefe/explain';
import { button, canvas, drawRgba, liveChart, panel, row } from '../ui/dom.js';
import { MNIST_URL, type PageContext, startPage, task } from '../ui/page.js';

const TRAIN = 1500;
/** Held-out digits after the training ones (default; `?heldOut=N`). */
const HELD_OUT = 500;
/** Digits per training step (default; `?batch=N`). */
const BATCH = 32;
const DRAW = 196;

interface Digits {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
  source: string;
}

/** Digits from two picked IDX files (gzipped or not): images and labels. */
async function digitsFromFiles(imagesFile: File, labelsFile: File): Promise<Digits> {
  const images = readIdx(new Uint8Array(await imagesFile.arrayBuffer()), { name: imagesFile.name });
  const labels = readIdx(new Uint8Array(await labelsFile.arrayBuffer()), { name: labelsFile.name });
  if (images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28)
    throw new Error(`${imagesFile.name}: expected 28x28 images, got shape [${images.shape}]`);
  const n = Math.min(images.shape[0], labels.shape[0], TRAIN + HELD_OUT);
  return {
    images: pixelsToTensor<tf.Rank.R4>((images.data as Uint8Array).subarray(0, n * 784), [n, 28, 28, 1]),
    labels: labelsToTensor(labels.data.subarray(0, n), 'int', 10) as tf.Tensor1D,
    source: `${imagesFile.name}, ${labelsFile.name}`,
  };
}

async function digitsFromServer(): Promise<Digits> {
  const { images, labels } = await loadMnist({
    dir: new URL(MNIST_URL, location.href).href,
    split: 'test',
    limit: TRAIN + HELD_OUT,
  });
  return { images, labels, source: `MNIST t10k from ${MNIST_URL}` };
}

function buildModel(): tfl.LayersModel {
  seed(7);
  const model = smallCnn({
    inputShape: [28, 28, 1],
    classes: 10,
    filters: [8, 16],
    dense: 32,
    dropout: 0,
    batchNorm: false,
  });
  seed(undefined);
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** The drawing canvas's digit as a [1, 28, 28, 1] tensor in [0, 1] (white strokes on black). */
function drawnDigit(source: HTMLCanvasElement): tf.Tensor4D {
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const ctx = small.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  ctx.drawImage(source, 0, 0, 28, 28);
  const { data } = ctx.getImageData(0, 0, 28, 28);
  const grey = new Float32Array(784);
  for (let i = 0; i < 784; i++) grey[i] = data[4 * i] / 255;
  return tf.tensor4d(grey, [1, 28, 28, 1]);
}

async function mount({ app, report, progress, param }: PageContext): Promise<void> {
  const total = param('steps', 200);
  const heldOut = Math.min(HELD_OUT, param('heldOut', HELD_OUT));
  const batch = param('batch', BATCH);
  const controls = row(app);
  const status = document.createElement('span');
  status.id = 'data-source';
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.multiple = true;
  picker.id = 'idx-files';
  picker.title = 'two IDX files: images and labels (gzipped or not)';
  let digits: Digits | undefined = await digitsFromServer().catch(() => undefined);
  status.textContent = digits ? `data: ${digits.source}` : 'no MNIST on the server: pick the two IDX files';
  picker.addEventListener('change', async () => {
    const files = [...(picker.files ?? [])];
    const img = files.find((f) => /images/.test(f.name));
    const lab = files.find((f) => /labels/.test(f.name));
    if (!img || !lab) {
      status.textContent = 'pick both files: *images-idx3-ubyte(.gz) and *labels-idx1-ubyte(.gz)';
      return;
    }
    const next = await digitsFromFiles(img, lab);
    if (digits) tf.dispose([digits.images, digits.labels]);
    digits = next;
    status.textContent = `data: ${digits.source}`;
  });
  const curves = row(app);
  const lossChart = liveChart(panel(curves, 'Training curves'), 'curves', curvesSpec([], []));
  const cmBox = panel(curves, 'Held-out digits');
  const cmChart = liveChart(cmBox, 'confusion', confusionMatrixChart({ matrix: zeros(10), classNames: MNIST_CLASSES }));
  const drawRow = row(app);
  const drawBox = panel(drawRow, 'Draw a digit');
  const pad = canvas(drawBox, 'pad', DRAW, DRAW);
  const padCtx = pad.getContext('2d') as CanvasRenderingContext2D;
  const clear = () => {
    padCtx.fillStyle = 'black';
    padCtx.fillRect(0, 0, DRAW, DRAW);
  };
  clear();
  let drawing = false;
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    pad.setPointerCapture(e.pointerId);
    padCtx.beginPath();
    padCtx.moveTo(e.offsetX, e.offsetY);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    padCtx.strokeStyle = 'white';
    padCtx.lineWidth = 16;
    padCtx.lineCap = 'round';
    padCtx.lineTo(e.offsetX, e.offsetY);
    padCtx.stroke();
  });
  pad.addEventListener('pointerup', () => {
    drawing = false;
    explainTask();
  });
  const padButtons = document.createElement('div');
  drawBox.append(padButtons);
  button(padButtons, 'clear', 'Clear', clear);
  const predBox = panel(drawRow, 'Prediction');
  const predText = document.createElement('p');
  predText.id = 'prediction';
  predBox.append(predText);
  const probChart = liveChart(predBox, 'probabilities', probabilitySpec(new Array(10).fill(0.1)));
  const lrpBox = panel(drawRow, 'LRP (epsilon-plus)');
  const lrpCanvas = canvas(lrpBox, 'lrp', DRAW, DRAW);
  const sgBox = panel(drawRow, 'SmoothGrad (16 samples)');
  const sgCanvas = canvas(sgBox, 'smoothgrad', DRAW, DRAW);

  let model: tfl.LayersModel | undefined;
  const losses: number[] = [];
  const accs: number[] = [];
  report.numbers = { losses, accs };

  const train = task(report, async () => {
    if (!digits) throw new Error('no digits: pick the two MNIST IDX files first');
    if (model) {
      model.optimizer.dispose();
      model.dispose();
    }
    losses.length = 0;
    accs.length = 0;
    model = buildModel();
    const m = model;
    const n = Math.min(TRAIN, digits.images.shape[0] - HELD_OUT);
    const { images: x, labels: y } = digits;
    const outcome = await progress.run('training', total, async (i) => {
      const start = (i * batch) % (n - batch);
      const [xb, yb] = [tf.slice(x, start, batch), tf.slice(y, start, batch)];
      const [loss, acc] = (await m.trainOnBatch(xb, yb)) as number[];
      tf.dispose([xb, yb]);
      losses.push(loss);
      accs.push(acc);
      if (i % 5 === 4 || i === total - 1) await lossChart.update(curvesSpec(losses, accs));
    });
    await lossChart.update(curvesSpec(losses, accs));
    const xt = tf.slice(x, n, heldOut);
    const yt = tf.slice(y, n, heldOut);
    const probs = m.predict(xt) as tf.Tensor;
    const matrix = await confusionMatrix(yt, probs, { numClasses: 10 });
    report.numbers.heldOutAccuracy = await accuracy(yt, probs);
    report.numbers.confusion = matrix;
    tf.dispose([xt, yt, probs]);
    await cmChart.update(
      confusionMatrixChart({
        title: `Held-out digits: accuracy ${((report.numbers.heldOutAccuracy as number) * 100).toFixed(1)}%`,
        matrix,
        classNames: MNIST_CLASSES,
      }),
    );
    return outcome;
  });

  const explain = async (): Promise<'done'> => {
    if (!model) throw new Error('train the model first');
    const x = drawnDigit(pad);
    const p = model.predict(x) as tf.Tensor;
    const probs = Array.from(await p.data());
    p.dispose();
    const digit = probs.indexOf(Math.max(...probs));
    const relevance = await lrp(model, x, { target: digit });
    const grads = await smoothGrad(model, x, { target: digit, samples: 16, batchSize: 16 });
    drawRgba(lrpCanvas, await renderHeatmap(relevance), DRAW / 28);
    drawRgba(sgCanvas, await renderHeatmap(grads), DRAW / 28);
    tf.dispose([x, relevance, grads]);
    predText.textContent = `prediction: ${digit} (${(probs[digit] * 100).toFixed(1)}%)`;
    report.numbers.prediction = { digit, probabilities: probs };
    await probChart.update(probabilitySpec(probs));
    return 'done';
  };
  const explainTask = task(report, explain);

  button(controls, 'start', 'Train', train);
  button(controls, 'explain', 'Predict drawing', explainTask);
  controls.append(picker, status);
}

function zeros(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0));
}

function curvesSpec(losses: number[], accs: number[]) {
  const points = (v: number[]): Array<[number, number]> => v.map((y, i) => [i + 1, y]);
  return lineChart({
    title: 'Training batches',
    x: { title: 'step' },
    y: { title: 'loss (cross-entropy) / accuracy' },
    series: [
      { name: 'loss', points: losses.length ? points(losses) : [[0, 0]] },
      { name: 'accuracy', points: accs.length ? points(accs) : [[0, 0]] },
    ],
    width: 320,
    height: 200,
  });
}

function probabilitySpec(probs: number[]) {
  return barChart({
    title: 'Class probabilities',
    x: { title: 'digit' },
    y: { title: 'probability' },
    bars: probs.map((value, i) => ({ label: String(i), value: Number(value.toFixed(3)) })),
    height: 120,
  });
}

startPage('classify', mount);
