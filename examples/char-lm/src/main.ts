/**
 * `npm start -w @tiefe/example-char-lm`: a character LM on a generated grammar, with samples.
 * Env: EPOCHS (default 10), STRINGS (default 3000), OUT_DIR (default examples/char-lm/out).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCharLm } from './charLm.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/char-lm/out'));
try {
  await runCharLm({ outDir, epochs: Number(process.env.EPOCHS ?? 10), strings: Number(process.env.STRINGS ?? 3000) });
  console.log(
    `output: ${join(outDir, 'report.json')}, the model in ${join(outDir, 'model')}, ${join(outDir, 'vocab.json')}`,
  );
  process.exit(0);
} catch (e) {
  console.error(`char-lm failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
