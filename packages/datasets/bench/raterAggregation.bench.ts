/**
 * Aggregating labels of several raters on simulated panels with known error rates (issue 17): accuracy of
 * majority vote vs Dawid-Skene for class labels, and Dice / pixel accuracy of majority vote vs mean probability
 * vs STAPLE for masks, plus how closely Dawid-Skene and STAPLE recover the raters' true rates. Plain arrays: the
 * backend does not matter.
 */
import { createRng } from '@tiefe/core';
import { dawidSkene, majorityVote, majorityVoteMasks, meanProbabilityMask, staple } from '@tiefe/datasets';
import type { BenchRow } from '../../../scripts/benchRow.js';

export const kind = 'accuracy';
export const backends = ['cpu'];

const SEEDS = [1, 2, 3, 4, 5];

interface ClassPanel {
  name: string;
  accuracy: number[];
  /** Rater r's wrong answers: uniform over the other classes, or (swap) always class (t + 1) % K. */
  swap?: boolean[];
}

const CLASS_PANELS: ClassPanel[] = [
  { name: '5 equal raters (accuracy 0.7 each)', accuracy: [0.7, 0.7, 0.7, 0.7, 0.7] },
  { name: '5 mixed raters (0.9, 0.85, 0.6, 0.5, 0.45)', accuracy: [0.9, 0.85, 0.6, 0.5, 0.45] },
  { name: '1 expert (0.95) + 4 weak raters (0.45)', accuracy: [0.95, 0.45, 0.45, 0.45, 0.45] },
  {
    name: '3 raters (0.75) + 2 who confuse t with t+1 (0.4, systematic)',
    accuracy: [0.75, 0.75, 0.75, 0.4, 0.4],
    swap: [false, false, false, true, true],
  },
];

function simulateClasses(panel: ClassPanel, seed: number, items: number, K: number) {
  const rng = createRng(seed);
  const truth = Array.from({ length: items }, () => rng.int(K));
  const ratings = truth.map((t) =>
    panel.accuracy.map((a, r) => {
      if (rng.next() < a) return t;
      return panel.swap?.[r] ? (t + 1) % K : (t + 1 + rng.int(K - 1)) % K;
    }),
  );
  return { truth, ratings };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const acc = (labels: ArrayLike<number>, truth: ArrayLike<number>) => {
  let right = 0;
  for (let i = 0; i < truth.length; i++) if (labels[i] === truth[i]) right++;
  return right / truth.length;
};

function classRows(): BenchRow[] {
  const rows: BenchRow[] = [];
  const items = 2000;
  const K = 4;
  for (const panel of CLASS_PANELS) {
    const mv: number[] = [];
    const ds: number[] = [];
    const rateError: number[] = [];
    for (const seed of SEEDS) {
      const { truth, ratings } = simulateClasses(panel, seed, items, K);
      mv.push(acc(majorityVote(ratings, { numClasses: K }).labels, truth));
      const r = dawidSkene(ratings, { numClasses: K });
      ds.push(acc(r.labels, truth));
      // Estimated accuracy of each rater (prior-weighted diagonal) vs its true rate.
      panel.accuracy.forEach((a, j) => {
        const est = r.priors.reduce((s, p, k) => s + p * r.confusion[j][k][k], 0);
        rateError.push(Math.abs(est - a));
      });
    }
    rows.push({
      case: `class labels, ${panel.name}: accuracy majority vote -> Dawid-Skene`,
      value: mean(ds),
      unit: 'accuracy',
      // Equal raters: majority vote is already optimal, no target; otherwise Dawid-Skene must beat it.
      ...(panel.accuracy.every((a) => a === panel.accuracy[0])
        ? {}
        : { target: '> majority vote (raters differ)', pass: mean(ds) > mean(mv) }),
      note: `majority vote ${mean(mv).toFixed(4)}, Dawid-Skene ${mean(ds).toFixed(4)}; rater-accuracy recovery: mean abs error ${mean(rateError).toFixed(4)}, max ${Math.max(...rateError).toFixed(4)}; ${items} items, ${K} classes, mean of ${SEEDS.length} seeds`,
    });
  }
  return rows;
}

interface MaskPanel {
  name: string;
  sensitivity: number[];
  specificity: number[];
}

const MASK_PANELS: MaskPanel[] = [
  {
    name: '5 equal raters (sens 0.85, spec 0.9)',
    sensitivity: [0.85, 0.85, 0.85, 0.85, 0.85],
    specificity: [0.9, 0.9, 0.9, 0.9, 0.9],
  },
  {
    name: '5 mixed raters (sens 0.95-0.55, spec 0.97-0.8)',
    sensitivity: [0.95, 0.9, 0.75, 0.6, 0.55],
    specificity: [0.97, 0.9, 0.93, 0.88, 0.8],
  },
  {
    name: '1 expert (0.98/0.99) + 2 over- and 2 under-segmenters',
    sensitivity: [0.98, 0.97, 0.97, 0.5, 0.5],
    specificity: [0.99, 0.7, 0.7, 0.98, 0.98],
  },
];

function maskRows(): BenchRow[] {
  const size = 128;
  const truth = new Uint8Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const disc = (x - 45) ** 2 + (y - 60) ** 2 < 30 ** 2;
      const box = x > 80 && x < 115 && y > 20 && y < 100;
      truth[y * size + x] = disc || box ? 1 : 0;
    }
  const dice = (m: Uint8Array) => {
    let inter = 0;
    let total = 0;
    for (let i = 0; i < m.length; i++) {
      inter += m[i] * truth[i];
      total += m[i] + truth[i];
    }
    return (2 * inter) / total;
  };
  const rows: BenchRow[] = [];
  for (const panel of MASK_PANELS) {
    const res = {
      mv: [] as number[],
      mp: [] as number[],
      st: [] as number[],
      stAcc: [] as number[],
      mvAcc: [] as number[],
      err: [] as number[],
    };
    for (const seed of SEEDS) {
      const rng = createRng(seed);
      const masks = panel.sensitivity.map((p, r) =>
        Array.from(truth, (t) => (t ? (rng.next() < p ? 1 : 0) : rng.next() < panel.specificity[r] ? 0 : 1)),
      );
      const mv = majorityVoteMasks(masks);
      const st = staple(masks);
      res.mv.push(dice(mv.mask));
      res.mp.push(dice(meanProbabilityMask(masks).mask));
      res.st.push(dice(st.mask));
      res.mvAcc.push(acc(mv.mask, truth));
      res.stAcc.push(acc(st.mask, truth));
      panel.sensitivity.forEach((p, r) => {
        res.err.push(Math.abs(st.sensitivity[r] - p), Math.abs(st.specificity[r] - panel.specificity[r]));
      });
    }
    rows.push({
      case: `masks, ${panel.name}: Dice majority vote -> STAPLE`,
      value: mean(res.st),
      unit: 'Dice',
      ...(panel.sensitivity.every((a) => a === panel.sensitivity[0])
        ? {}
        : { target: '> majority vote (raters differ)', pass: mean(res.st) > mean(res.mv) }),
      note: `Dice majority vote ${mean(res.mv).toFixed(4)}, mean probability ${mean(res.mp).toFixed(4)}, STAPLE ${mean(res.st).toFixed(4)}; pixel accuracy majority ${mean(res.mvAcc).toFixed(4)}, STAPLE ${mean(res.stAcc).toFixed(4)}; sens/spec recovery mean abs error ${mean(res.err).toFixed(4)}, max ${Math.max(...res.err).toFixed(4)}; ${size}x${size}, independent pixel flips, mean of ${SEEDS.length} seeds`,
    });
  }
  return rows;
}

export default async function bench(): Promise<BenchRow[]> {
  return [...classRows(), ...maskRows()];
}
