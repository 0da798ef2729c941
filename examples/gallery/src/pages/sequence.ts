/**
 * Sequence: a character LSTM (@tiefe/sequence) learns text of the embedded Reber grammar and writes more of it
 * at the temperature the visitor picks; an LSTM and a SimpleRNN of the same size race on the adding problem.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { lineChart } from '@tiefe/charts';
import { type BackendName, initBackend, seed } from '@tiefe/core';
import {
  ADDING_BASELINE_MSE,
  addingProblem,
  type CellType,
  generate,
  nextTokenWindows,
  reberText,
  reberValidity,
  recurrentModel,
  streamingModel,
  Vocabulary,
} from '@tiefe/sequence';
import { modelArtifacts } from '@tiefe/transfer';
import { button, liveChart, panel, row, slider } from '../ui/dom.js';
import { type PageContext, startPage, task, WASM_URL } from '../ui/page.js';

const WINDOW = 24;
const BATCH = 32;
const ADD_LENGTH = 20;

type Points = Array<[number, number]>;
const pts = (v: number[]): Points => (v.length ? v.map((y, i) => [i + 1, y]) : [[0, 0]]);

async function mount({ app, report, progress, param }: PageContext): Promise<void> {
  const lmSteps = param('steps', 200);
  const addSteps = param('race', 200);
  const { text } = reberText({ strings: 400, seed: 7 });
  const vocab = Vocabulary.build([text]);
  const windows = nextTokenWindows(vocab.encode(text), { length: WINDOW, stride: 12 });
  const y3 = tf.expandDims(windows.y, -1);
  const count = windows.x.shape[0];

  const lmRow = row(app);
  const lmControls = panel(lmRow, 'Character LM');
  const lmChart = liveChart(lmRow, 'lm-chart', lmSpec([]));
  const temp = slider('temperature', { min: 0.2, max: 2, step: 0.1, value: 0.8 });
  const tempLabel = document.createElement('label');
  tempLabel.textContent = `temperature ${temp.value}`;
  temp.addEventListener('input', () => {
    tempLabel.textContent = `temperature ${temp.value}`;
  });
  const sample = document.createElement('pre');
  sample.id = 'sample';
  const addRow = row(app);
  const addControls = panel(addRow, 'Adding problem');
  const addChart = liveChart(addRow, 'adding-chart', addSpec({ lstm: [], simpleRnn: [] }));

  const bits: number[] = [];
  const adding: Record<'lstm' | 'simpleRnn', number[]> = { lstm: [], simpleRnn: [] };
  report.numbers = { bits, adding };
  let lm: tfl.LayersModel | undefined;

  const trainLm = task(report, async () => {
    bits.length = 0;
    if (lm) {
      lm.optimizer.dispose();
      lm.dispose();
    }
    seed(3);
    lm = recurrentModel({
      cell: 'lstm',
      embedding: { vocabSize: vocab.size, dim: 8, maskZero: false },
      units: 32,
      output: 'sequence',
      outputUnits: vocab.size,
      outputActivation: 'softmax',
    });
    seed(undefined);
    lm.compile({ optimizer: tf.train.adam(1e-2), loss: 'sparseCategoricalCrossentropy' });
    const m = lm;
    return progress.run('character LM', lmSteps, async (i) => {
      const start = (i * BATCH) % (count - BATCH);
      const [xb, yb] = [tf.slice(windows.x, start, BATCH), tf.slice(y3, start, BATCH)];
      const loss = (await m.trainOnBatch(xb, yb)) as number;
      tf.dispose([xb, yb]);
      bits.push(loss / Math.LN2);
      if (i % 5 === 4 || i === lmSteps - 1) await lmChart.update(lmSpec(bits));
    });
  });

  const write = task(report, async () => {
    if (!lm) throw new Error('train the character LM first');
    const temperature = Number(temp.value);
    const ids = await onCpu(lm, async (twin) => {
      const live = await streamingModel(twin);
      try {
        return generate(live, { prompt: vocab.encode('B'), length: 160, temperature, seed: 1 });
      } finally {
        live.dispose();
      }
    });
    const out = `B${vocab.decode(ids)}`;
    const v = reberValidity(out);
    sample.textContent = `T = ${temperature}: ${out}\n${v.valid} of ${v.complete} complete strings follow the grammar`;
    report.numbers.sample = { temperature, tokens: ids.length, text: out, ...v };
    return 'done';
  });

  const race = task(report, async () => {
    adding.lstm.length = 0;
    adding.simpleRnn.length = 0;
    const test = addingProblem({ count: 100, length: ADD_LENGTH, seed: 999 });
    const models = (['lstm', 'simpleRnn'] as CellType[]).map((cell) => {
      seed(1);
      const m = recurrentModel({ cell, timeSteps: ADD_LENGTH, features: 2, units: 16, outputUnits: 1 });
      m.compile({ optimizer: tf.train.adam(cell === 'lstm' ? 1e-2 : 3e-3), loss: 'meanSquaredError' });
      return { cell: cell as 'lstm' | 'simpleRnn', m };
    });
    seed(undefined);
    try {
      return await progress.run('adding problem', addSteps, async (i) => {
        const b = addingProblem({ count: 64, length: ADD_LENGTH, seed: 1000 + i });
        for (const { cell, m } of models) {
          await m.trainOnBatch(b.x, b.y);
          const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(m.predict(test.x) as tf.Tensor, test.y))));
          adding[cell].push((await mse.data())[0]);
          mse.dispose();
        }
        tf.dispose([b.x, b.y]);
        if (i % 5 === 4 || i === addSteps - 1) await addChart.update(addSpec(adding));
      });
    } finally {
      for (const { m } of models) {
        m.optimizer.dispose();
        m.dispose();
      }
      tf.dispose([test.x, test.y]);
    }
  });

  button(lmControls, 'start', 'Train', trainLm);
  lmControls.append(document.createElement('br'), tempLabel, temp);
  button(lmControls, 'write', 'Write', write);
  lmControls.append(sample);
  button(addControls, 'race', 'LSTM vs SimpleRNN', race);
}

/**
 * Runs `fn` on a cpu-backend copy of `model` (saved and reloaded with its weights, read asynchronously), then
 * returns to the page's backend. `generate` reads every sampled token back synchronously: a GPU round trip per
 * character on WebGPU, and in Chromium on SwiftShader a synchronous read of a computed tensor breaks every later
 * read of the page. The small LSTM writes fast enough on the cpu backend.
 */
async function onCpu<T>(model: tfl.LayersModel, fn: (twin: tfl.LayersModel) => Promise<T>): Promise<T> {
  const artifacts = await modelArtifacts(model);
  const backend = tf.getBackend() as BackendName;
  await initBackend({ prefer: ['cpu'] });
  try {
    const twin = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    try {
      return await fn(twin);
    } finally {
      twin.dispose();
    }
  } finally {
    await initBackend({ prefer: [backend], wasmPaths: WASM_URL });
  }
}

function lmSpec(bits: number[]) {
  return lineChart({
    title: 'Character LM',
    x: { title: 'step' },
    y: { title: 'training loss (bits per character)' },
    series: [{ name: 'LSTM, 32 units', points: pts(bits) }],
    width: 320,
    height: 180,
  });
}

function addSpec(curves: Record<'lstm' | 'simpleRnn', number[]>) {
  const n = Math.max(1, curves.lstm.length);
  return lineChart({
    title: `Adding problem, T = ${ADD_LENGTH}`,
    x: { title: 'step (batches of 64)' },
    y: { title: 'test MSE' },
    series: [
      { name: 'LSTM', points: pts(curves.lstm) },
      { name: 'SimpleRNN', points: pts(curves.simpleRnn) },
      {
        name: 'predict the mean',
        points: [
          [1, ADDING_BASELINE_MSE],
          [n, ADDING_BASELINE_MSE],
        ],
      },
    ],
    width: 320,
    height: 180,
  });
}

startPage('sequence', mount);
