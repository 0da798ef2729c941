/**
 * Segment: a small `unet` (@tiefe/blocks) learns to label synthetic shape scenes (@tiefe/datasets) with
 * cross-entropy plus Dice loss (@tiefe/losses); validation masks next to the truth and Dice per class, live.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { unet } from '@tiefe/blocks';
import { lineChart } from '@tiefe/charts';
import { type Color, grayImage, labelImage, seed } from '@tiefe/core';
import { syntheticShapes2d } from '@tiefe/datasets';
import { categoricalCrossentropy, combineLosses, diceLoss, SegmentationConfusionMatrix } from '@tiefe/losses';
import { button, canvas, drawRgba, liveChart, panel, row } from '../ui/dom.js';
import { type PageContext, startPage, task } from '../ui/page.js';

const SIZE = 32;
const CLASSES = 4;
/** Scenes per training step (default; `?batch=N`). */
const BATCH = 8;
const SHOWN = 4;
const COLORS: Color[] = [
  [20, 20, 20],
  [230, 90, 70],
  [70, 170, 90],
  [70, 120, 230],
];

function buildModel(): tfl.LayersModel {
  seed(5);
  const model = unet({ inputShape: [SIZE, SIZE, 1], classes: CLASSES, depth: 2, baseFilters: 8 });
  seed(undefined);
  const loss = combineLosses([{ loss: categoricalCrossentropy() }, { loss: diceLoss() }]);
  model.compile({ optimizer: tf.train.adam(0.005), loss });
  return model;
}

async function mount({ app, report, progress, param }: PageContext): Promise<void> {
  const total = param('steps', 150);
  const batchSize = param('batch', BATCH);
  const controls = row(app);
  const charts = row(app);
  const names = ['circle', 'square', 'triangle'];
  const spec = (loss: number[], dice: number[][]) =>
    [
      lineChart({
        title: 'Training loss',
        x: { title: 'step' },
        y: { title: 'cross-entropy + Dice loss' },
        series: [{ name: 'loss', points: loss.length ? loss.map((v, i) => [i + 1, v]) : [[0, 0]] }],
        width: 300,
        height: 180,
      }),
      lineChart({
        title: 'Validation Dice per class',
        x: { title: 'step' },
        y: { title: 'Dice' },
        series: names.map((name, c) => ({
          name,
          points: dice.length
            ? dice.map((d) => [d[0], Number.isFinite(d[c + 1]) ? d[c + 1] : 0] as [number, number])
            : [[0, 0]],
        })),
        width: 300,
        height: 180,
      }),
    ] as const;
  const [lossSpec, diceSpec] = spec([], []);
  const lossChart = liveChart(panel(charts, 'Loss'), 'loss-chart', lossSpec);
  const diceChart = liveChart(panel(charts, 'Dice'), 'dice-chart', diceSpec);
  const scenes = row(app);
  const columns = ['image', 'truth', 'prediction'].map((t) => panel(scenes, t));
  const cells = columns.map((col, k) =>
    Array.from({ length: SHOWN }, (_, s) => {
      const c = canvas(col, `${['image', 'truth', 'pred'][k]}-${s}`, SIZE * 3, SIZE * 3);
      c.style.display = 'block';
      return c;
    }),
  );

  const val = syntheticShapes2d({ n: 8, size: SIZE, seed: 2 });
  const [valPixels, valIds] = await Promise.all([val.images.data(), val.masks.data()]);
  for (let s = 0; s < SHOWN; s++) {
    drawRgba(cells[0][s], grayImage(valPixels, SIZE, SIZE, s), 3);
    drawRgba(cells[1][s], labelImage(valIds, COLORS, SIZE, SIZE, s), 3);
  }
  const losses: number[] = [];
  const dice: number[][] = [];
  report.numbers = { losses, dice };

  const evaluate = async (model: tfl.LayersModel, step: number) => {
    const pred = model.predict(val.images) as tf.Tensor;
    const cm = new SegmentationConfusionMatrix({ numClasses: CLASSES });
    await cm.update(val.masks, pred);
    const ids = tf.argMax(pred, -1);
    const predIds = await ids.data();
    tf.dispose([pred, ids]);
    dice.push([step, ...cm.dice()]);
    for (let s = 0; s < SHOWN; s++) drawRgba(cells[2][s], labelImage(predIds, COLORS, SIZE, SIZE, s), 3);
    const [l, d] = spec(losses, dice);
    await Promise.all([lossChart.update(l), diceChart.update(d)]);
  };

  const train = task(report, async () => {
    losses.length = 0;
    dice.length = 0;
    const model = buildModel();
    try {
      await evaluate(model, 0);
      const outcome = await progress.run('training', total, async (i) => {
        const batch = syntheticShapes2d({ n: batchSize, size: SIZE, seed: 100 + i });
        const y = tf.oneHot(batch.masks, CLASSES);
        const loss = (await model.trainOnBatch(batch.images, y)) as number;
        tf.dispose([batch.images, batch.masks, y]);
        losses.push(loss);
        if ((i + 1) % 10 === 0 || i === total - 1) await evaluate(model, i + 1);
      });
      if (dice.at(-1)?.[0] !== losses.length) await evaluate(model, losses.length);
      return outcome;
    } finally {
      model.optimizer.dispose();
      model.dispose();
    }
  });
  button(controls, 'start', 'Train', train);
}

startPage('segment', mount);
