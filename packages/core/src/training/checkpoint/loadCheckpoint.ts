import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '../../errors.js';
import { recoverFolder } from '../../io/atomicWrite.js';
import { fileSystem } from '../../io/fileSystem.js';
import { ModelFileError } from '../../io/modelFileError.js';
import { MODEL_JSON, readJsonObject, readWeights } from '../../io/modelFiles.js';
import { type NodeFs, nodeFs } from '../../io/nodeFs.js';
import { describeValue } from '../../validate.js';
import {
  asCheckpointError,
  CHECKPOINT_FORMAT,
  CHECKPOINT_JSON,
  CHECKPOINT_VERSION,
  CheckpointError,
  OPTIMIZER_BIN,
  OPTIMIZER_JSON,
  sha256Hex,
} from './layout.js';
import { restoreOptimizer } from './optimizerState.js';

/** Result of {@link loadCheckpoint}. */
export interface LoadedCheckpoint {
  /**
   * The model with its weights. Compiled with the restored optimizer when the checkpoint has a training
   * config (string loss) or `compile` was passed; the model then owns the optimizer (`model.dispose()` frees it).
   */
  model: tfl.LayersModel;
  /** The optimizer, recreated from its class name and config, with its saved state; null when none was saved. */
  optimizer: tf.Optimizer | null;
  /** Epochs completed when it was saved. */
  epoch: number;
  /** The `extra` data given to `saveCheckpoint` (null when none). */
  extra: unknown;
  /** ISO time the checkpoint was written. */
  createdAt: string;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /**
   * Loss and metrics to compile with when the checkpoint has no training config (a custom loss function
   * cannot be serialised). Ignored when the checkpoint has one.
   */
  compile?: Omit<tfl.ModelCompileArgs, 'optimizer'>;
}

/**
 * Lets `model.dispose()` free the optimizer it now has. `LayersModel.dispose` frees its private `optimizer_`;
 * a Sequential forwards `model.optimizer` to its inner model but keeps its own `optimizer_` from `compile`,
 * so that field is pointed at the current optimizer too (else the restored Adam state leaked on dispose).
 */
function ownOptimizer(model: tfl.LayersModel): void {
  const m = model as unknown as { isOptimizerOwned: boolean; optimizer_: tf.Optimizer };
  m.optimizer_ = model.optimizer;
  m.isOptimizerOwned = true;
}

/**
 * True when `dir` holds a checkpoint (its `checkpoint.json` exists), after finishing a save that a crash
 * interrupted (see {@link loadCheckpoint}).
 */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InputError('hasCheckpoint: dir', 'a folder path', describeValue(dir));
  }
  const { fs, path } = await nodeFs('hasCheckpoint');
  await recoverFolder(dir, CHECKPOINT_JSON, 'hasCheckpoint');
  return fs.stat(path.join(path.resolve(dir), CHECKPOINT_JSON)).then(
    () => true,
    () => false,
  );
}

/**
 * Checks each file against the SHA-256 that `checkpoint.json` lists (checkpoints written before hashes were
 * added list none and are not checked), before anything is loaded: a same-size file with flipped bytes would
 * otherwise load as a silently different model.
 */
async function verifyHashes(node: NodeFs, root: string, listed: unknown, metaFile: string): Promise<void> {
  if (listed === undefined) return;
  if (listed === null || typeof listed !== 'object' || Array.isArray(listed)) {
    throw new CheckpointError(metaFile, `has no valid sha256 map (got ${describeValue(listed)})`);
  }
  for (const [name, want] of Object.entries(listed)) {
    if (name !== node.path.basename(name) || name === '..' || name === '.') {
      throw new CheckpointError(metaFile, `lists a file outside its folder: ${name}`);
    }
    const file = node.path.join(root, name);
    let bytes: Uint8Array;
    try {
      bytes = await node.fs.readFile(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CheckpointError(file, code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`);
    }
    const got = await sha256Hex(bytes);
    if (got !== want) {
      throw new CheckpointError(
        file,
        `has SHA-256 ${got}, but ${CHECKPOINT_JSON} lists ${String(want)} (corrupt or changed)`,
      );
    }
  }
}

/**
 * Loads a checkpoint written by `saveCheckpoint`: the model with its weights, the optimizer recreated with
 * the same class and config and its saved state (`setWeights`), the epoch and `extra`. A missing, truncated
 * or corrupt file throws {@link CheckpointError} naming it. If a crash hit `saveCheckpoint` between its two
 * renames (`dir` missing, a complete `<dir>.tmp-*` or `<dir>.old-*` beside it), the newest complete one is
 * renamed to `dir` first.
 *
 * @example
 * const ckpt = await loadCheckpoint('runs/exp1/ckpt');
 * await ckpt.model.fit(x, y, { initialEpoch: ckpt.epoch, epochs: 20 });
 */
export async function loadCheckpoint(dir: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InputError('loadCheckpoint: dir', 'a folder path', describeValue(dir));
  }
  const node = await nodeFs('loadCheckpoint');
  const root = node.path.resolve(dir);
  await recoverFolder(root, CHECKPOINT_JSON, 'loadCheckpoint');
  const metaFile = node.path.join(root, CHECKPOINT_JSON);
  const meta = await asCheckpointError(() => readJsonObject(node.fs, metaFile));
  if (meta.format !== CHECKPOINT_FORMAT || typeof meta.version !== 'number' || meta.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(
      metaFile,
      `is not a ${CHECKPOINT_FORMAT} v${CHECKPOINT_VERSION} file (format ${meta.format}, version ${meta.version})`,
    );
  }
  if (!Number.isInteger(meta.epoch)) throw new CheckpointError(metaFile, `has no integer epoch (got ${meta.epoch})`);
  const files = (meta.files ?? {}) as Record<string, number>;
  await verifyHashes(node, root, meta.sha256, metaFile);
  const optimizerFile = node.path.join(root, OPTIMIZER_JSON);
  const optimizerState =
    OPTIMIZER_JSON in files
      ? await asCheckpointError(async () => {
          const json = await readJsonObject(node.fs, optimizerFile);
          return { json, weights: await readWeights(node, json, optimizerFile) };
        })
      : undefined;

  const modelFile = node.path.join(root, MODEL_JSON);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(fileSystem(modelFile));
  } catch (e) {
    if (e instanceof ModelFileError) throw new CheckpointError(e.file, e.problem);
    throw new CheckpointError(modelFile, `cannot be loaded as a LayersModel (${(e as Error).message})`);
  }

  let optimizer: tf.Optimizer | null = null;
  if (optimizerState) {
    try {
      optimizer = await restoreOptimizer(optimizerState.json, optimizerState.weights, optimizerFile);
    } catch (e) {
      // loadLayersModel compiles with an optimizer *instance*, which the model then does not own.
      const auto = model.optimizer;
      model.dispose();
      auto?.dispose();
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(
        node.path.join(root, OPTIMIZER_BIN),
        `cannot restore the optimizer (${(e as Error).message})`,
      );
    }
    if (model.optimizer) {
      // loadLayersModel compiled the model from the training config with a fresh optimizer: swap in ours.
      const fresh = model.optimizer;
      model.optimizer = optimizer;
      fresh.dispose();
      ownOptimizer(model);
    } else if (options.compile) {
      model.compile({ ...options.compile, optimizer });
      ownOptimizer(model);
    }
  } else if (model.optimizer) {
    // Compiled from the training config with a fresh optimizer: let model.dispose() free it.
    ownOptimizer(model);
  } else if (options.compile) {
    model.dispose();
    throw new InputError(
      'loadCheckpoint: compile',
      'a checkpoint with an optimizer',
      `${root} without ${OPTIMIZER_JSON}`,
    );
  }
  return {
    model,
    optimizer,
    epoch: meta.epoch as number,
    extra: meta.extra ?? null,
    createdAt: String(meta.createdAt),
  };
}
