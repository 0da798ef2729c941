/** Base class of every error Tiefe throws on purpose, so callers can tell them from bugs. */
export class TiefeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Bad input to a public function: names the input, what was expected and what came.
 *
 * @example
 * throw new InputError('diceLoss: yPred', 'a rank-4 tensor (NHWC)', `shape [${x.shape}]`);
 * // InputError: diceLoss: yPred: expected a rank-4 tensor (NHWC), got shape [2,3]
 */
export class InputError extends TiefeError {
  constructor(
    readonly input: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`${input}: expected ${expected}, got ${got}`);
  }
}

/** A backend could not be set up, or none of the requested backends is available. */
export class BackendError extends TiefeError {}
