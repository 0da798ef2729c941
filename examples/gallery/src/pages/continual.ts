/**
 * Continual: class-incremental split MNIST (@tiefe/continual), five experiences of two digits each, learnt by
 * the same small MLP twice: naive fine-tuning (which forgets) and experience replay, side by side, the accuracy
 * matrices filling in as the experiences arrive.
 */
import { heatmapChart } from '@tiefe/charts';
import {
  averageAccuracy,
  ContinualTrainer,
  continualMlp,
  naive,
  replay,
  type Scenario,
  seenAccuracy,
  splitMnist,
} from '@tiefe/continual';
import { seed } from '@tiefe/core';
import { button, liveChart, panel, row } from '../ui/dom.js';
import { MNIST_URL, type PageContext, startPage, task } from '../ui/page.js';

/** MNIST digits of the stream (default; `?digits=N`). */
const DIGITS = 2000;
const STRATEGIES = {
  naive: () => [naive()],
  replay: () => [replay({ bufferSize: 200 })],
} as const;
type Strategy = keyof typeof STRATEGIES;

/** The accuracy matrix so far: one row per experience trained on (a row of zeros before the first). */
function matrixSpec(name: string, rows: number[][], experiences: number) {
  const labels = Array.from({ length: experiences }, (_, i) => `${2 * i},${2 * i + 1}`);
  return heatmapChart({
    title: `${name}: accuracy after each experience`,
    x: { title: 'tested on digits', labels },
    y: { title: 'after training on', labels: rows.length ? labels.slice(0, rows.length) : ['(not yet)'] },
    values: rows.length ? rows : [new Array<number>(experiences).fill(0)],
    format: '.2f',
    valueTitle: 'accuracy',
    domain: [0, 1],
  });
}

async function mount({ app, report, progress, param }: PageContext): Promise<void> {
  const digits = param('digits', DIGITS);
  const scenario: Scenario = await splitMnist({
    dir: new URL(MNIST_URL, location.href).href,
    scenario: 'class',
    limit: digits,
  });
  const n = scenario.train.length;
  const controls = row(app);
  const info = document.createElement('span');
  info.textContent = `${digits} MNIST digits (80% train, 20% test), ${n} experiences of 2 classes, an MLP with 100 hidden units`;
  const matrices = row(app);
  const names = Object.keys(STRATEGIES) as Strategy[];
  const charts = Object.fromEntries(
    names.map((s) => [s, liveChart(panel(matrices, s), `matrix-${s}`, matrixSpec(s, [], n))]),
  ) as Record<Strategy, ReturnType<typeof liveChart>>;
  const result: Record<Strategy, number[][]> = { naive: [], replay: [] };
  const seen: Record<Strategy, number[]> = { naive: [], replay: [] };
  const average: Record<Strategy, number> = { naive: Number.NaN, replay: Number.NaN };
  report.numbers = { matrix: result, seenAccuracy: seen, averageAccuracy: average };

  const run = task(report, async () => {
    const trainers = names.map((name) => {
      seed(1);
      const model = continualMlp({ outputs: scenario.outputs, heads: scenario.heads, hidden: [100] });
      seed(undefined);
      result[name].length = 0;
      return {
        name,
        model,
        trainer: new ContinualTrainer({
          model,
          plugins: [...STRATEGIES[name]()],
          batchSize: 32,
          seed: 1,
        }),
      };
    });
    const initial = await trainers[0].trainer.eval(scenario.test);
    try {
      // one step: one experience for both strategies, so the two matrices fill in side by side
      return await progress.run('experiences', n, async (i) => {
        for (const { name, trainer } of trainers) {
          await trainer.train(scenario.train[i]);
          result[name].push(await trainer.eval(scenario.test));
          seen[name] = seenAccuracy({ matrix: result[name] });
          if (i === n - 1) average[name] = averageAccuracy({ matrix: result[name], initial });
          await charts[name].update(matrixSpec(name, result[name], n));
        }
      });
    } finally {
      for (const { trainer, model } of trainers) {
        trainer.dispose();
        model.dispose();
      }
    }
  });
  button(controls, 'start', 'Run the stream', run);
  controls.append(info);
}

startPage('continual', mount);
