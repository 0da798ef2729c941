/**
 * Noisy sum-of-sines forecasting (periods 25 and 60 steps, noise sd 0.2, 4,000 steps): an LSTM (32 units,
 * lookback 48, one step ahead) against persistence (predict the last value), on the time-ordered test part
 * (train 70 %, val 15 %, test 15 %; standardised with training statistics only). The noise floor is the MAE
 * of a forecaster that knows the clean signal: 0.2 * sqrt(2 / pi) = 0.16. Wasm only.
 */
import * as tf from '@tensorflow/tfjs-core';
import { seed } from '@tiefe/core';
import { forecastData, noisySines, persistenceMae, recurrentModel } from '@tiefe/sequence';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

export default async function bench(): Promise<BenchRow[]> {
  seed(2);
  const noise = 0.2;
  const { series } = noisySines({ length: 4000, periods: [25, 60], noise, seed: 5 });
  const lookback = 48;
  const d = await forecastData(series, { lookback, horizon: 1, train: 0.7, val: 0.15 });
  const model = recurrentModel({ cell: 'lstm', timeSteps: lookback, features: 1, units: 32, outputUnits: 1 });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: 'meanSquaredError' });
  const epochs = Number(process.env.TIEFE_FORECAST_EPOCHS ?? 15);
  const t0 = performance.now();
  await model.fit(d.train.x, d.train.y, {
    epochs,
    batchSize: 64,
    validationData: [d.val.x, d.val.y],
    verbose: 0,
    shuffle: true,
  });
  const seconds = (performance.now() - t0) / 1000;
  const p = model.predict(d.test.x) as tf.Tensor;
  const pred = await d.inverse(await p.data());
  const truth = await d.inverse(await d.test.y.data());
  const inputs = await d.inverse(await d.test.x.data());
  const mae = pred.reduce((s, v, i) => s + Math.abs(v - truth[i]), 0) / pred.length;
  const persistence = persistenceMae(inputs, truth, lookback);
  tf.dispose([p, d.train.x, d.train.y, d.val.x, d.val.y, d.test.x, d.test.y]);
  d.scaler?.dispose();
  model.dispose();
  const floor = noise * Math.sqrt(2 / Math.PI);
  return [
    {
      case: 'noisy sines, LSTM 32 units, 1 step ahead: test MAE',
      value: mae,
      unit: 'MAE',
      note: `persistence ${persistence.toFixed(3)}, noise floor ${floor.toFixed(3)}; ${d.test.starts.length} test windows; ${epochs} epochs, ${seconds.toFixed(0)} s`,
    },
    {
      case: 'noisy sines: persistence MAE / LSTM MAE',
      value: persistence / mae,
      unit: 'x',
      target: '>= 1.2',
      pass: persistence / mae >= 1.2,
    },
  ];
}
