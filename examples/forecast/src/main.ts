/**
 * `npm start -w @tiefe/example-forecast`: LSTM vs persistence on a noisy sum of sines, plotted.
 * Env: EPOCHS (default 15), LENGTH (default 4000), OUT_DIR (default examples/forecast/out).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runForecast } from './forecast.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/forecast/out'));
try {
  await runForecast({ outDir, epochs: Number(process.env.EPOCHS ?? 15), length: Number(process.env.LENGTH ?? 4000) });
  console.log(`output: ${join(outDir, 'forecast.png')} and ${join(outDir, 'report.json')}`);
  process.exit(0);
} catch (e) {
  console.error(`forecast failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
