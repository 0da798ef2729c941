/**
 * The two input checks only blocks needs, built on core's shared ones (`checkInt`, `checkShape`, ... come from
 * `@tiefe/core`). Names follow core's `'function: argument'` style.
 */
import { checkRank, InputError } from '@tiefe/core';
import type { Sym } from './options.js';

/** Spatial rank (2 for images, 3 for volumes) of a channels-last symbolic tensor, checked. */
export function spatialRank(name: string, x: Sym): 2 | 3 {
  return (checkRank(name, x, [4, 5]) - 2) as 2 | 3;
}

/** Throws unless every spatial size of `shape` divides by 2^`steps`. */
export function checkDivisible(name: string, spatial: number[], steps: number): void {
  const f = 2 ** steps;
  if (spatial.some((d) => d % f !== 0)) {
    throw new InputError(
      name,
      `spatial sizes divisible by ${f} (2^${steps} down-sampling steps)`,
      JSON.stringify(spatial),
    );
  }
}
