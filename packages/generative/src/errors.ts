import { TiefeError } from '@tiefe/core';

/**
 * A training loss became NaN or infinite: the loop stops at once (before the update is applied) instead of
 * continuing on garbage. `what` names the loss (`'discriminator loss'`, `'negative ELBO'`, ...).
 */
export class TrainingDivergedError extends TiefeError {
  constructor(
    /** Which loss diverged. */
    readonly what: string,
    /** The step (0-based) at which it happened. */
    readonly step: number,
    /** The value it had (NaN or +-Infinity). */
    readonly value: number,
  ) {
    super(
      `${what} is ${value} at step ${step}: training diverged (lower the learning rate, check the data for NaN, or use the non-saturating loss)`,
    );
  }
}
