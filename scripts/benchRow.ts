/**
 * The row a bench file returns, shared by scripts/bench.ts and every `packages/<pkg>/bench/*.bench.ts`
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

/** What a bench file default-exports: runs on the backend already started and returns its rows. */
export type Bench = (backend: string) => Promise<BenchRow[]>;
