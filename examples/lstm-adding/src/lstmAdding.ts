/**
 * The adding problem, trained twice: an LSTM and a SimpleRNN of the same size, on fresh batches, with the test
 * MSE recorded along the way against the 0.167 of always predicting the mean. Writes `curves.png` and
 * `report.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { lineChart, writeChart } from '@tiefe/charts';
import { initBackend, seed } from '@tiefe/core';
import { ADDING_BASELINE_MSE, addingProblem, type CellType, recurrentModel } from '@tiefe/sequence';

/** Options of {@link runLstmAdding}. */
export interface LstmAddingOptions {
  /** Folder for curves.png and report.json. */
  outDir: string;
  /** Sequence length; default 50. */
  length?: number;
  /** Training batches (of 64) per model; default 1500. */
  steps?: number;
  /** Batches between test evaluations; default 100. */
  evalEvery?: number;
  /** Units of both models; default 32. */
  units?: number;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

/** What {@link runLstmAdding} writes to report.json. */
export interface LstmAddingReport {
  backend: string;
  length: number;
  steps: number;
  baseline: number;
  /** Test MSE after every `evalEvery` batches, per cell. */
  curves: Record<'lstm' | 'simpleRnn', number[]>;
  final: Record<'lstm' | 'simpleRnn', number>;
  seconds: number;
}

export async function runLstmAdding(options: LstmAddingOptions): Promise<LstmAddingReport> {
  const { outDir, length = 50, steps = 1500, evalEvery = 100, units = 32, log = console.log } = options;
  const backend = await initBackend();
  log(`backend: ${backend.name}; adding problem T=${length}, ${steps} batches of 64 per model`);
  const t0 = performance.now();
  const test = addingProblem({ count: 500, length, seed: 999 });
  const curves: LstmAddingReport['curves'] = { lstm: [], simpleRnn: [] };
  const evaluatedAt: number[] = []; // batches after which the test MSE was measured
  for (const cell of ['lstm', 'simpleRnn'] as CellType[]) {
    seed(1);
    const model = recurrentModel({ cell, timeSteps: length, features: 2, units, outputUnits: 1 });
    model.compile({ optimizer: tf.train.adam(cell === 'lstm' ? 3e-3 : 1e-3), loss: 'meanSquaredError' });
    for (let s = 1; s <= steps; s++) {
      const b = addingProblem({ count: 64, length, seed: 1000 + s });
      const loss = (await model.trainOnBatch(b.x, b.y)) as number;
      tf.dispose([b.x, b.y]);
      if (!Number.isFinite(loss)) throw new Error(`lstm-adding: ${cell} loss became ${loss} at batch ${s}`);
      if (s % evalEvery === 0 || s === steps) {
        const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(model.predict(test.x) as tf.Tensor, test.y))).dataSync()[0]);
        curves[cell as 'lstm' | 'simpleRnn'].push(mse);
        if (cell === 'lstm') evaluatedAt.push(s);
        log(
          `${cell.padEnd(9)} batch ${String(s).padStart(5)}: test MSE ${mse.toFixed(4)} (baseline ${ADDING_BASELINE_MSE.toFixed(3)})`,
        );
      }
    }
    model.optimizer.dispose();
    model.dispose();
  }
  tf.dispose([test.x, test.y]);
  mkdirSync(outDir, { recursive: true });
  const points = (values: number[]) => values.map((v, i) => [evaluatedAt[i], v] as [number, number]);
  await writeChart(
    join(outDir, 'curves.png'),
    lineChart({
      title: `Adding problem (T = ${length}): test MSE during training`,
      x: { title: 'training batches (64 sequences each)' },
      y: { title: 'test MSE', scale: 'log' },
      series: [
        { name: 'LSTM', points: points(curves.lstm) },
        { name: 'SimpleRNN', points: points(curves.simpleRnn) },
        { name: 'predict the mean (0.167)', points: points(curves.lstm.map(() => ADDING_BASELINE_MSE)) },
      ],
      width: 480,
      height: 300,
    }),
  );
  const report: LstmAddingReport = {
    backend: backend.name,
    length,
    steps,
    baseline: ADDING_BASELINE_MSE,
    curves,
    final: { lstm: curves.lstm.at(-1) ?? Number.NaN, simpleRnn: curves.simpleRnn.at(-1) ?? Number.NaN },
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(
    `final test MSE: LSTM ${report.final.lstm.toFixed(4)}, SimpleRNN ${report.final.simpleRnn.toFixed(4)}; wrote curves.png`,
  );
  return report;
}
