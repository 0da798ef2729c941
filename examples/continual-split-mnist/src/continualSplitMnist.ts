/**
 * The `npm start` program and the continual bench's experiment: every strategy of `@tiefe/continual` on split
 * MNIST in the chosen scenarios (task-, domain-, class-incremental) and, optionally, on permuted MNIST, each
 * over several seeds, with van de Ven's 2x400 MLP. Writes `report.json`, one accuracy-matrix heatmap per
 * scenario and strategy (first seed) and `average-accuracy.png` (a bar per strategy, one group per scenario).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, type TopLevelSpec, writeChart } from '@tiefe/charts';
import {
  type AccuracyMatrix,
  accuracyMatrixChart,
  agem,
  ContinualTrainer,
  continualMlp,
  cumulative,
  ewc,
  forgetting,
  generativeReplay,
  icarl,
  joint,
  lwf,
  mas,
  naive,
  type Plugin,
  permutedMnist,
  replay,
  type Scenario,
  type ScenarioKind,
  si,
  splitMnist,
  summarize,
} from '@tiefe/continual';
import { initBackend, seed } from '@tiefe/core';

/** The strategies the program knows, each a list of plugins for one scenario. */
export const STRATEGIES: Record<string, (s: Scenario) => Plugin[]> = {
  naive: () => [naive()],
  joint: (s) => [joint(s.train)],
  cumulative: () => [cumulative()],
  ewc: () => [ewc({ lambda: 1e4 })],
  'online ewc': () => [ewc({ lambda: 1e4, mode: 'online', gamma: 1 })],
  si: () => [si({ lambda: 1000 })],
  lwf: () => [lwf({ alpha: 1, temperature: 2 })],
  mas: () => [mas({ lambda: 1 })],
  'replay 1000': () => [replay({ bufferSize: 1000 })],
  'replay 1000 balanced': () => [replay({ bufferSize: 1000, buffer: 'classBalanced' })],
  agem: () => [agem({ patternsPerExperience: 250 })],
  icarl: () => [icarl({ memorySize: 1000 })],
  'generative replay': () => [generativeReplay({ epochs: 5, hidden: [256], latentDim: 16 })],
};

/** Options of {@link continualSplitMnist}. */
export interface ContinualSplitMnistOptions {
  /** Folder with the official MNIST t10k IDX files (10,000 digits: 8,000 train, 2,000 test). */
  mnistDir: string;
  /** Where report.json and the PNGs go. */
  outDir: string;
  /** Split-MNIST scenarios (default all three). */
  scenarios?: ScenarioKind[];
  /** Strategy names, keys of {@link STRATEGIES} (default all). */
  strategies?: string[];
  /** Strategies also run on permuted MNIST (default none; the bench: naive, ewc, si). */
  permuted?: string[];
  /** Permuted-MNIST experiences (default 5). */
  permutations?: number;
  /** Seeds (default [1, 2, 3]). */
  seeds?: number[];
  /** Epochs per experience (default 1). */
  epochs?: number;
  /** Minibatch size on split MNIST (default 32). */
  batchSize?: number;
  /** Minibatch size on permuted MNIST (default 128: its experiences are five times larger). */
  permutedBatchSize?: number;
  /** Use only the first `limit` of the 10,000 digits (default all). */
  limit?: number;
  /** Time budget in minutes: a further seed is not started when it would end past it (default none). */
  minutes?: number;
  /** Backends in order of preference (default: initBackend's); `false` keeps the backend already set. */
  backends?: ('webgpu' | 'wasm' | 'cpu')[] | false;
  /** Progress lines (default console.log). */
  log?: (line: string) => void;
}

/** One cell of the result table: a benchmark, a scenario, a strategy, over the seeds. */
export interface ContinualResult {
  benchmark: 'split MNIST' | 'permuted MNIST';
  scenario: ScenarioKind;
  strategy: string;
  /** Final average accuracy of each seed. */
  accuracies: number[];
  mean: number;
  std: number;
  /** Mean forgetting over the seeds. */
  forgetting: number;
  /** Training seconds per seed (mean). */
  seconds: number;
  /** The first seed's accuracy matrix. */
  matrix: AccuracyMatrix;
}

/** What {@link continualSplitMnist} returns and writes as report.json. */
export interface ContinualReport {
  backend: string;
  epochs: number;
  batchSize: number;
  /** The seeds that ran (fewer than asked when the time budget stopped the run). */
  seeds: number[];
  train: number;
  test: number;
  results: ContinualResult[];
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sdOf = (v: number[]) =>
  v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - meanOf(v)) ** 2, 0) / (v.length - 1));

/**
 * A bar chart of the final average accuracy (mean over seeds): one cluster per benchmark and scenario, one bar
 * per strategy, coloured by strategy (named in the legend, in the order of {@link STRATEGIES}).
 */
export function averageAccuracyChart(results: readonly ContinualResult[]): TopLevelSpec {
  const order = Object.keys(STRATEGIES);
  const sorted = [...results].sort((a, b) => order.indexOf(a.strategy) - order.indexOf(b.strategy));
  return barChart({
    title: 'Final average accuracy (mean over seeds)',
    x: { title: 'benchmark and scenario' },
    y: { title: 'average accuracy (fraction correct)' },
    bars: sorted.map((r) => ({
      label: r.benchmark === 'split MNIST' ? `split ${r.scenario}-IL` : `permuted ${r.scenario}-IL`,
      value: r.mean,
      group: r.strategy,
    })),
  });
}

/**
 * Runs the strategies over the scenarios and seeds (seeds outermost, so a time budget cuts whole seeds); writes
 * report.json, one heatmap per benchmark/scenario/strategy (first seed) and average-accuracy.png.
 */
export async function continualSplitMnist(options: ContinualSplitMnistOptions): Promise<ContinualReport> {
  const log = options.log ?? console.log;
  const backend =
    options.backends === false ? undefined : await initBackend(options.backends ? { prefer: options.backends } : {});
  const kinds = options.scenarios ?? ['task', 'domain', 'class'];
  const names = options.strategies ?? Object.keys(STRATEGIES);
  for (const n of [...names, ...(options.permuted ?? [])])
    if (!STRATEGIES[n])
      throw new Error(
        `continualSplitMnist: unknown strategy ${JSON.stringify(n)} (known: ${Object.keys(STRATEGIES).join(', ')})`,
      );
  const seeds = options.seeds ?? [1, 2, 3];
  const epochs = options.epochs ?? 1;
  const batchSize = options.batchSize ?? 32;
  mkdirSync(options.outDir, { recursive: true });
  type Job = { benchmark: ContinualResult['benchmark']; scenario: Scenario; strategies: string[]; batchSize: number };
  const jobs: Job[] = [];
  try {
    for (const kind of kinds)
      jobs.push({
        benchmark: 'split MNIST',
        scenario: await splitMnist({ dir: options.mnistDir, scenario: kind, limit: options.limit }),
        strategies: names,
        batchSize,
      });
    if (options.permuted?.length) {
      const scenario = await permutedMnist({
        dir: options.mnistDir,
        experiences: options.permutations ?? 5,
        limit: options.limit,
      });
      jobs.push({
        benchmark: 'permuted MNIST',
        scenario,
        strategies: options.permuted,
        batchSize: options.permutedBatchSize ?? 128,
      });
    }
    const cells = new Map<
      string,
      { job: Job; name: string; finals: number[]; forgets: number[]; seconds: number; first?: AccuracyMatrix }
    >();
    const t0 = performance.now();
    const seedsRun: number[] = [];
    for (const s of seeds) {
      const elapsed = (performance.now() - t0) / 60000;
      const perSeed = seedsRun.length ? elapsed / seedsRun.length : 0;
      if (options.minutes !== undefined && seedsRun.length > 0 && elapsed + perSeed > options.minutes) {
        log(
          `time budget: seed ${s} would end after ${(elapsed + perSeed).toFixed(1)} of ${options.minutes} min; stopping after seeds ${seedsRun.join(',')}`,
        );
        break;
      }
      for (const job of jobs) {
        for (const name of job.strategies) {
          const key = `${job.benchmark}/${job.scenario.kind}/${name}`;
          const cell = cells.get(key) ?? { job, name, finals: [], forgets: [], seconds: 0 };
          cells.set(key, cell);
          seed(s);
          const model = continualMlp({ outputs: job.scenario.outputs, heads: job.scenario.heads });
          const trainer = new ContinualTrainer({
            model,
            plugins: STRATEGIES[name](job.scenario),
            epochs,
            batchSize: job.batchSize,
            seed: s,
          });
          const started = performance.now();
          try {
            const r = await trainer.run(job.scenario);
            cell.seconds += (performance.now() - started) / 1000;
            cell.finals.push(summarize(r).averageAccuracy);
            cell.forgets.push(forgetting(r));
            cell.first ??= r;
          } finally {
            trainer.dispose();
            model.dispose();
            seed(undefined);
          }
          log(
            `seed ${s} ${job.benchmark} ${job.scenario.kind}-IL ${name}: ${(cell.finals[cell.finals.length - 1] * 100).toFixed(1)}%`,
          );
        }
      }
      seedsRun.push(s);
    }
    const results: ContinualResult[] = [];
    for (const c of cells.values()) {
      if (c.finals.length < seedsRun.length) continue;
      const res: ContinualResult = {
        benchmark: c.job.benchmark,
        scenario: c.job.scenario.kind,
        strategy: c.name,
        accuracies: c.finals,
        mean: meanOf(c.finals),
        std: sdOf(c.finals),
        forgetting: meanOf(c.forgets),
        seconds: c.seconds / c.finals.length,
        matrix: c.first as AccuracyMatrix,
      };
      results.push(res);
      const file = `${res.benchmark === 'split MNIST' ? `split-${res.scenario}` : 'permuted'}-${res.strategy.replaceAll(' ', '-')}.png`;
      const title = `${res.benchmark} ${res.scenario}-IL, ${res.strategy}: accuracy matrix (first seed)`;
      await writeChart(join(options.outDir, file), accuracyMatrixChart(res.matrix, { title }), { scale: 1 });
      log(
        `${res.benchmark} ${res.scenario}-IL ${res.strategy}: ${(res.mean * 100).toFixed(1)}% +- ${(res.std * 100).toFixed(1)} (forgetting ${(res.forgetting * 100).toFixed(1)}, ${res.seconds.toFixed(1)} s/seed)`,
      );
    }
    await writeChart(join(options.outDir, 'average-accuracy.png'), averageAccuracyChart(results));
    const first = jobs[0]?.scenario;
    const report: ContinualReport = {
      backend: backend?.name ?? 'preset',
      epochs,
      batchSize,
      seeds: seedsRun,
      train: first?.train.reduce((a, e) => a + e.x.shape[0], 0) ?? 0,
      test: first?.test.reduce((a, e) => a + e.x.shape[0], 0) ?? 0,
      results,
    };
    const out = join(options.outDir, 'report.json');
    writeFileSync(`${out}.tmp`, `${JSON.stringify(report, null, 2)}\n`);
    renameSync(`${out}.tmp`, out);
    return report;
  } finally {
    for (const j of jobs) j.scenario.dispose();
  }
}
