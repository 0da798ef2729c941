/**
 * Forecasting a noisy sum of sines one step ahead with an LSTM, against persistence (predict the last value),
 * on the time-ordered test part of the series (normalised with training statistics only). Writes
 * `forecast.png` (the test part: series, LSTM forecast, persistence) and `report.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { lineChart, writeChart } from '@tiefe/charts';
import { initBackend, seed } from '@tiefe/core';
import { forecastData, noisySines, persistenceMae, recurrentModel } from '@tiefe/sequence';

/** Options of {@link runForecast}. */
export interface ForecastOptions {
  /** Folder for forecast.png and report.json. */
  outDir: string;
  /** Steps of the series; default 4000. */
  length?: number;
  /** Steps the model sees; default 48. */
  lookback?: number;
  /** Training epochs; default 15. */
  epochs?: number;
  /** LSTM units; default 32. */
  units?: number;
  /** Noise sd; default 0.2. */
  noise?: number;
  /** Test steps plotted; default 200. */
  plotSteps?: number;
  /** Progress lines; default console.log. */
  log?: (line: string) => void;
}

/** What {@link runForecast} writes to report.json. */
export interface ForecastReport {
  backend: string;
  testWindows: number;
  lstmMae: number;
  persistenceMae: number;
  noiseFloorMae: number;
  seconds: number;
}

export async function runForecast(options: ForecastOptions): Promise<ForecastReport> {
  const {
    outDir,
    length = 4000,
    lookback = 48,
    epochs = 15,
    units = 32,
    noise = 0.2,
    plotSteps = 200,
    log = console.log,
  } = options;
  const backend = await initBackend();
  seed(2);
  const t0 = performance.now();
  const { series } = noisySines({ length, periods: [25, 60], noise, seed: 5 });
  const d = await forecastData(series, { lookback, horizon: 1, train: 0.7, val: 0.15 });
  log(
    `backend: ${backend.name}; ${length} steps, windows train ${d.train.starts.length} / val ${d.val.starts.length} / test ${d.test.starts.length}`,
  );
  const model = recurrentModel({ cell: 'lstm', timeSteps: lookback, features: 1, units, outputUnits: 1 });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' });
  await model.fit(d.train.x, d.train.y, {
    epochs,
    batchSize: 64,
    shuffle: true,
    verbose: 0,
    validationData: [d.val.x, d.val.y],
    callbacks: {
      onEpochEnd: async (e, logs) =>
        log(
          `epoch ${e + 1}: train MSE ${logs?.loss?.toFixed(4)}, val MSE ${logs?.val_loss?.toFixed(4)} (standardised)`,
        ),
    },
  });
  const p = model.predict(d.test.x) as tf.Tensor;
  const pred = await d.inverse(await p.data());
  const truth = await d.inverse(await d.test.y.data());
  const inputs = await d.inverse(await d.test.x.data());
  tf.dispose([p, d.train.x, d.train.y, d.val.x, d.val.y, d.test.x, d.test.y]);
  d.scaler?.dispose();
  model.optimizer.dispose();
  model.dispose();
  const lstmMae = pred.reduce((s, v, i) => s + Math.abs(v - truth[i]), 0) / pred.length;
  const persistence = persistenceMae(inputs, truth, lookback);
  const last = truth.map((_, i) => inputs[i * lookback + lookback - 1]);
  const n = Math.min(plotSteps, truth.length);
  mkdirSync(outDir, { recursive: true });
  const steps = (values: ArrayLike<number>) => Array.from(values, (v, t) => [t + 1, v] as [number, number]).slice(0, n);
  await writeChart(
    join(outDir, 'forecast.png'),
    lineChart({
      title: `One-step-ahead forecast: the first ${n} test steps`,
      x: { title: 'test time step' },
      y: { title: 'value (sum of sines + noise)' },
      series: [
        { name: 'series (truth)', points: steps(truth) },
        { name: 'persistence (last value)', points: steps(last) },
        { name: 'LSTM forecast', points: steps(pred) },
      ],
      width: 720,
      height: 280,
    }),
  );
  const report: ForecastReport = {
    backend: backend.name,
    testWindows: truth.length,
    lstmMae,
    persistenceMae: persistence,
    noiseFloorMae: noise * Math.sqrt(2 / Math.PI),
    seconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  log(
    `test MAE: LSTM ${lstmMae.toFixed(4)}, persistence ${persistence.toFixed(4)} (noise floor ${report.noiseFloorMae.toFixed(3)}); wrote forecast.png`,
  );
  return report;
}
