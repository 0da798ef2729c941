/**
 * `npm start -w @tiefe/example-lstm-adding`: LSTM vs SimpleRNN on the adding problem, learning curves as a PNG.
 * Env: LENGTH (default 50), STEPS (batches per model, default 1500), OUT_DIR (default examples/lstm-adding/out).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runLstmAdding } from './lstmAdding.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/lstm-adding/out'));
try {
  await runLstmAdding({ outDir, length: Number(process.env.LENGTH ?? 50), steps: Number(process.env.STEPS ?? 1500) });
  console.log(`output: ${join(outDir, 'curves.png')} and ${join(outDir, 'report.json')}`);
  process.exit(0);
} catch (e) {
  console.error(`lstm-adding failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
