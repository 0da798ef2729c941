import { TiefeError } from '../errors.js';

/** A saved model's file is missing, unreadable or inconsistent; `file` is its path, `problem` what is wrong. */
export class ModelFileError extends TiefeError {
  constructor(
    readonly file: string,
    readonly problem: string,
    kind = 'model',
  ) {
    super(`${kind} file ${file}: ${problem}`);
  }
}
