/**
 * The row a bench file returns, shared by scripts/bench.ts and every `packages/<pkg>/bench/*.bench.ts` (and `examples/<name>/bench/*.bench.ts`)
 * (`import type { BenchRow } from '../../../scripts/benchRow.js'`: a type only, nothing to load at run time).
 */
export interface BenchRow {
  /** What was measured, e.g. 'reference CNN train step (batch 64)'. */
  case: string;
  /** The measured number. */
  value: number;
  /** Its unit, e.g. 'ms/step', 'GFLOP/s', 'MB'. */
  unit: string;
  /** The goal this number is held to, in words, e.g. '<= 60 ms'. */
  target?: string;
  /** Whether the goal was met (absent when there is no goal). */
  pass?: boolean;
  /** Anything a reader needs to interpret the number. */
  note?: string;
}

/**
 * What a bench file measures, declared as `export const kind = 'speed'` (a literal: the runner reads it from the
 * source without loading the file). Speed benches are the fast default of `npm run bench`; accuracy benches
 * (training runs that take minutes to hours) run with `npm run bench:accuracy`.
 */
export type BenchKind = 'speed' | 'accuracy';

/** The second argument of a bench: lets a long bench say where it is (the runner prints it with the elapsed time). */
export interface BenchContext {
  /** One line of progress, e.g. 'epoch 3/8, loss 0.21'. */
  progress(message: string): void;
}

/** What a bench file default-exports: runs on the backend already started and returns its rows. */
export type Bench = (backend: string, context: BenchContext) => Promise<BenchRow[]>;
