/**
 * `npm start`: runs every continual-learning strategy on split MNIST in the three scenarios (task-, domain-,
 * class-incremental) and naive/EWC/SI on permuted MNIST, prints the average accuracies and writes
 * report.json, the accuracy-matrix heatmaps and average-accuracy.png.
 *
 * Env: MNIST_DIR (default ../shared/data/mnist beside the repository: 8,000 of its 10,000 digits train, 2,000
 * test), SCENARIOS (default task,domain,class), STRATEGIES (default all), PERMUTED (default naive,ewc,si; empty:
 * none), SEEDS (default 1), EPOCHS (default 1), LIMIT (digits used), OUT_DIR (default examples/continual-split-mnist/out).
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioKind } from '@tiefe/continual';
import { continualSplitMnist } from './continualSplitMnist.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = resolve(process.env.OUT_DIR ?? join(repo, 'examples/continual-split-mnist/out'));
const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').filter(Boolean));

try {
  await continualSplitMnist({
    mnistDir: process.env.MNIST_DIR ?? resolve(repo, '../shared/data/mnist'),
    outDir,
    scenarios: list(process.env.SCENARIOS) as ScenarioKind[] | undefined,
    strategies: list(process.env.STRATEGIES),
    permuted: list(process.env.PERMUTED) ?? ['naive', 'ewc', 'si'],
    seeds: list(process.env.SEEDS)?.map(Number) ?? [1],
    epochs: process.env.EPOCHS ? Number(process.env.EPOCHS) : undefined,
    limit: process.env.LIMIT ? Number(process.env.LIMIT) : undefined,
  });
  console.log(`output: ${relative(process.cwd(), outDir)}/ (report.json, average-accuracy.png, one heatmap per run)`);
  process.exit(0); // Dawn keeps native handles open after the work is done
} catch (e) {
  console.error(`continual-split-mnist failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
