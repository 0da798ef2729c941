/**
 * Permuted MNIST (5 fixed pixel permutations of the 8,000 training / 2,000 test digits, the first unpermuted;
 * domain-incremental, one 10-output head): naive, EWC and SI, 3 seeds, van de Ven's 2x400 MLP, batch 128. The
 * experiment and the rows are those of splitMnist.bench.ts. wasm only.
 */
import type { BenchContext, BenchRow } from '../../../scripts/benchRow.js';
import { continualRows } from './splitMnist.bench.js';

export const kind = 'accuracy';

export const backends = ['wasm'];

export default function bench(_backend: string, context: BenchContext): Promise<BenchRow[]> {
  return continualRows(true, (line) => context.progress(line));
}
