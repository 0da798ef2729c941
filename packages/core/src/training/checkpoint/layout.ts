/**
 * The layout of a Tiefe checkpoint folder. It is a saved tfjs model (see `fileSystem`) plus three files:
 * - `model.json` + `weights.bin`: the model, in tfjs-node's layout (`tf.loadLayersModel('file://<dir>/model.json')`
 *   loads it), with the training config when the loss is serialisable;
 * - `optimizer.json` + `optimizer.bin`: optimizer class, config and `optimizer.getWeights()` (iterations,
 *   moments), when there is an optimizer;
 * - `checkpoint.json`: `{ format: 'tiefe-checkpoint', version, epoch, createdAt, files, sha256, extra }`,
 *   written last, so that a folder holding it is complete; `files` maps each other file to its byte count and
 *   `sha256` to its SHA-256 (hex), which `loadCheckpoint` verifies (a flipped byte is an error, not a model).
 */
import { ModelFileError } from '../../io/modelFileError.js';

export const CHECKPOINT_FORMAT = 'tiefe-checkpoint';
export const CHECKPOINT_VERSION = 1;
export const CHECKPOINT_JSON = 'checkpoint.json';
export const OPTIMIZER_JSON = 'optimizer.json';
export const OPTIMIZER_BIN = 'optimizer.bin';

/** A checkpoint file is missing, unreadable or inconsistent; `file` is its path. */
export class CheckpointError extends ModelFileError {
  constructor(file: string, problem: string) {
    super(file, problem, 'checkpoint');
  }
}

/** Runs `read`, reporting a saved-model file problem as a {@link CheckpointError} on the same file. */
export async function asCheckpointError<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof ModelFileError && !(e instanceof CheckpointError)) throw new CheckpointError(e.file, e.problem);
    throw e;
  }
}

/** The SHA-256 of `data`, in hex (Web Crypto: the same in Node and browsers). */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
