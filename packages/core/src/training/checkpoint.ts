import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, TiefeError } from '../errors.js';
import type { UnresolvedLogs } from './logs.js';

/**
 * Training checkpoints in Node: model topology + weights, optimizer state and metadata in one folder,
 * replaced atomically. Layout of `<dir>/`:
 * - `model.json` + `weights.bin`: a standard tfjs LayersModel (`tf.loadLayersModel('file://.../model.json')`
 *   with tfjs-node loads it too), including the training config when the loss is serialisable;
 * - `optimizer.json` + `optimizer.bin`: optimizer class, config and `optimizer.getWeights()` (iterations,
 *   moments), when there is an optimizer;
 * - `checkpoint.json`: `{ format: 'tiefe-checkpoint', version, epoch, extra, createdAt, files }`, written last.
 */

/** A checkpoint file is missing, unreadable or inconsistent; `file` is its path. */
export class CheckpointError extends TiefeError {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`checkpoint file ${file}: ${problem}`);
  }
}

/** What {@link saveCheckpoint} stores. */
export interface CheckpointState {
  /** The model (topology and weights are saved). */
  model: tfl.LayersModel;
  /** Optimizer whose state to save. Default `model.optimizer` (none if the model is not compiled). */
  optimizer?: tf.Optimizer | null;
  /** Epochs completed so far; resume with `fit({ initialEpoch: epoch, epochs: total })`. */
  epoch: number;
  /** Any JSON-serialisable extra state (data-loader position, best score, RNG seed...). */
  extra?: unknown;
}

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
  /** The `extra` data given to {@link saveCheckpoint} (null when none). */
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

const FORMAT = 'tiefe-checkpoint';
const VERSION = 1;

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function node(): Promise<{ fs: Fs; path: Path }> {
  // Imported lazily so that browser bundles of @tiefe/core never see node: modules.
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

function randomSuffix(): string {
  // Not Math.random: seed() makes it deterministic, and two runs may share a folder.
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  return c?.randomUUID ? c.randomUUID().slice(0, 8) : `${Date.now().toString(36)}${process.pid}`;
}

/** Writes and fsyncs a file, so a crash after the rename cannot leave it empty. */
async function writeDurable(fs: Fs, file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function bytes(buffer: ArrayBuffer): Uint8Array {
  return new Uint8Array(buffer);
}

/**
 * Saves model, optimizer state and metadata into folder `dir`, atomically: everything is written into
 * `<dir>.tmp-<random>` first; then an existing checkpoint is renamed to `<dir>.old-<random>`, the new one
 * renamed to `dir`, and the old one deleted. A failure while writing removes the temporary folder and leaves
 * any previous checkpoint at `dir` untouched. Returns the checkpoint's metadata. Creates no lasting tensors.
 *
 * @example
 * await saveCheckpoint('runs/exp1/ckpt', { model, epoch: 5, extra: { bestValLoss } });
 */
export async function saveCheckpoint(
  dir: string,
  state: CheckpointState,
): Promise<{ epoch: number; createdAt: string; files: Record<string, number> }> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InputError('dir', 'a folder path', String(dir));
  const { model, epoch, extra } = state;
  if (!(model instanceof tfl.LayersModel)) throw new InputError('model', 'a tf.LayersModel', String(model));
  if (!Number.isInteger(epoch) || epoch < 0) throw new InputError('epoch', 'an integer >= 0', String(epoch));
  const optimizer = state.optimizer === undefined ? (model.optimizer ?? null) : state.optimizer;
  let extraJson: string;
  try {
    extraJson = JSON.stringify(extra ?? null);
  } catch (e) {
    throw new InputError('extra', 'JSON-serialisable data', (e as Error).message);
  }

  // Collect everything in memory first; only then touch the disk.
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology || !artifacts.weightSpecs)
    throw new TiefeError('saveCheckpoint: model.save gave no topology');
  let trainingConfig: tf.io.TrainingConfig | undefined;
  if (model.optimizer && serialisable(model.loss) && (model.metrics == null || serialisable(model.metrics))) {
    try {
      trainingConfig = (model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }).getTrainingConfig();
    } catch {
      trainingConfig = undefined; // custom loss function: loadCheckpoint needs `compile` then
    }
  }
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tfl.version_layers}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    ...(trainingConfig ? { trainingConfig } : {}),
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
    weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
  };
  let optimizerJson: object | undefined;
  let optimizerData: ArrayBuffer | undefined;
  if (optimizer) {
    let named: { name: string; tensor: tf.Tensor }[];
    try {
      named = await optimizer.getWeights();
    } catch (e) {
      throw new TiefeError(`saveCheckpoint: ${optimizer.getClassName()}.getWeights() failed: ${(e as Error).message}`);
    }
    try {
      const encoded = await tf.io.encodeWeights(named);
      optimizerData = tf.io.CompositeArrayBuffer.join(encoded.data);
      optimizerJson = {
        className: optimizer.getClassName(),
        config: optimizer.getConfig(),
        weightsManifest: [{ paths: ['optimizer.bin'], weights: encoded.specs }],
      };
    } finally {
      // getWeights() returns the optimizer's variables plus a fresh `iter` scalar: free only the latter.
      tf.dispose(named.map((n) => n.tensor).filter((t) => !(t instanceof tf.Variable)));
    }
  }
  const createdAt = new Date().toISOString();
  const files: Record<string, number> = {
    'model.json': 0,
    'weights.bin': weightData.byteLength,
    ...(optimizerData ? { 'optimizer.json': 0, 'optimizer.bin': optimizerData.byteLength } : {}),
  };
  const modelText = JSON.stringify(modelJson);
  files['model.json'] = Buffer.byteLength(modelText);
  const optimizerText = optimizerJson ? JSON.stringify(optimizerJson) : undefined;
  if (optimizerText) files['optimizer.json'] = Buffer.byteLength(optimizerText);
  const meta = `{"format":"${FORMAT}","version":${VERSION},"epoch":${epoch},"createdAt":"${createdAt}","files":${JSON.stringify(files)},"extra":${extraJson}}`;

  const { fs, path } = await node();
  const target = path.resolve(dir);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${randomSuffix()}`;
  await fs.mkdir(tmp);
  try {
    await writeDurable(fs, path.join(tmp, 'model.json'), modelText);
    await writeDurable(fs, path.join(tmp, 'weights.bin'), bytes(weightData));
    if (optimizerText && optimizerData) {
      await writeDurable(fs, path.join(tmp, 'optimizer.json'), optimizerText);
      await writeDurable(fs, path.join(tmp, 'optimizer.bin'), bytes(optimizerData));
    }
    await writeDurable(fs, path.join(tmp, 'checkpoint.json'), meta);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  // Swap: a folder cannot be renamed over a non-empty folder, so move the old one aside first.
  let old: string | undefined;
  try {
    await fs.access(target);
    old = `${target}.old-${randomSuffix()}`;
    await fs.rename(target, old);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      await fs.rm(tmp, { recursive: true, force: true });
      throw e;
    }
    old = undefined;
  }
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    if (old) await fs.rename(old, target);
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (old) await fs.rm(old, { recursive: true, force: true });
  return { epoch, createdAt, files };
}

/** True for a loss/metric spec made of names only (functions cannot go into model.json). */
function serialisable(spec: unknown): boolean {
  if (typeof spec === 'string') return true;
  if (Array.isArray(spec)) return spec.every((s) => typeof s === 'string');
  if (spec && typeof spec === 'object') return Object.values(spec).every((s) => typeof s === 'string');
  return false;
}

function parseJson(text: string, file: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new CheckpointError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((total, s) => {
    const dtype = s.quantization?.dtype ?? s.dtype;
    return total + s.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[dtype] ?? 4);
  }, 0);
}

/** Reads `weightsManifest[0]` of a JSON file and the binary it names, checking the byte count. */
async function readWeights(
  fs: Fs,
  dir: string,
  json: Record<string, unknown>,
  jsonFile: string,
  join: Path['join'],
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig | undefined;
  const group = manifest?.[0];
  if (!group || !Array.isArray(group.paths) || group.paths.length !== 1 || !Array.isArray(group.weights)) {
    throw new CheckpointError(jsonFile, 'has no valid weightsManifest');
  }
  const binFile = join(dir, group.paths[0]);
  const buf = await readOrThrow(fs, binFile);
  const want = expectedBytes(group.weights);
  if (buf.byteLength !== want) {
    throw new CheckpointError(
      binFile,
      `has ${buf.byteLength} bytes, but ${jsonFile} describes ${want} (truncated or corrupt)`,
    );
  }
  return {
    specs: group.weights,
    data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
  };
}

async function readOrThrow(fs: Fs, file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(file, code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`);
  }
}

/** Recreates an optimizer from its registered class name and config (`tf.serialization`). */
function createOptimizer(className: unknown, config: unknown, file: string): tf.Optimizer {
  const entry =
    typeof className === 'string' ? tf.serialization.SerializationMap.getMap().classNameMap[className] : undefined;
  if (!entry) throw new CheckpointError(file, `names an unknown optimizer class ${JSON.stringify(className)}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, (config ?? {}) as tf.serialization.ConfigDict) as tf.Optimizer;
}

/**
 * Finishes a swap that a crash interrupted: when `root` is missing but complete siblings
 * `<root>.tmp-*` / `<root>.old-*` exist (complete = `checkpoint.json` present, which is written last), the
 * newest one (by `createdAt`) is renamed to `root`. Returns whether `root` exists afterwards.
 */
async function recoverSwap(fs: Fs, path: Path, root: string): Promise<boolean> {
  try {
    await fs.access(root);
    return true;
  } catch {
    // fall through: look for a checkpoint left beside it
  }
  const parent = path.dirname(root);
  const base = path.basename(root);
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return false;
  }
  let best: { dir: string; createdAt: string } | undefined;
  for (const name of names) {
    if (!name.startsWith(`${base}.tmp-`) && !name.startsWith(`${base}.old-`)) continue;
    try {
      const meta = JSON.parse(await fs.readFile(path.join(parent, name, 'checkpoint.json'), 'utf8'));
      if (meta.format === FORMAT && (!best || String(meta.createdAt) > best.createdAt)) {
        best = { dir: path.join(parent, name), createdAt: String(meta.createdAt) };
      }
    } catch {
      // incomplete or foreign folder: not a candidate
    }
  }
  if (!best) return false;
  await fs.rename(best.dir, root);
  return true;
}

/**
 * True when `dir` holds a checkpoint (its `checkpoint.json` exists), after finishing a swap that a crash
 * interrupted (see {@link loadCheckpoint}).
 */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  const { fs, path } = await node();
  const root = path.resolve(dir);
  await recoverSwap(fs, path, root);
  try {
    await fs.access(path.join(root, 'checkpoint.json'));
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: the model with its weights, the optimizer recreated
 * with the same class and config and its saved state (`setWeights`), the epoch and `extra`.
 * A missing, truncated or corrupt file throws {@link CheckpointError} naming it. If a crash hit
 * {@link saveCheckpoint} between its two renames (`dir` missing, a complete `<dir>.tmp-*` or `<dir>.old-*`
 * beside it), the newest complete one is renamed to `dir` first.
 *
 * @example
 * const ckpt = await loadCheckpoint('runs/exp1/ckpt');
 * await ckpt.model.fit(x, y, { initialEpoch: ckpt.epoch, epochs: 20 });
 */
export async function loadCheckpoint(dir: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  if (typeof dir !== 'string' || dir.length === 0) throw new InputError('dir', 'a folder path', String(dir));
  const { fs, path } = await node();
  const root = path.resolve(dir);
  await recoverSwap(fs, path, root);
  const metaFile = path.join(root, 'checkpoint.json');
  const meta = parseJson((await readOrThrow(fs, metaFile)).toString('utf8'), metaFile);
  if (meta.format !== FORMAT || typeof meta.version !== 'number' || meta.version > VERSION) {
    throw new CheckpointError(
      metaFile,
      `is not a ${FORMAT} v${VERSION} file (format ${meta.format}, version ${meta.version})`,
    );
  }
  if (!Number.isInteger(meta.epoch)) throw new CheckpointError(metaFile, `has no integer epoch (got ${meta.epoch})`);
  const modelFile = path.join(root, 'model.json');
  const modelJson = parseJson((await readOrThrow(fs, modelFile)).toString('utf8'), modelFile);
  if (!modelJson.modelTopology) throw new CheckpointError(modelFile, 'has no modelTopology');
  const weights = await readWeights(fs, root, modelJson, modelFile, path.join);
  const files = (meta.files ?? {}) as Record<string, number>;
  const optimizerFile = path.join(root, 'optimizer.json');
  let optimizerState:
    | { json: Record<string, unknown>; specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }
    | undefined;
  if ('optimizer.json' in files) {
    const json = parseJson((await readOrThrow(fs, optimizerFile)).toString('utf8'), optimizerFile);
    optimizerState = { json, ...(await readWeights(fs, root, json, optimizerFile, path.join)) };
  }

  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology as object,
        weightSpecs: weights.specs,
        weightData: weights.data,
        trainingConfig: modelJson.trainingConfig as tf.io.TrainingConfig | undefined,
        userDefinedMetadata: modelJson.userDefinedMetadata as object | undefined,
      }),
    );
  } catch (e) {
    throw new CheckpointError(modelFile, `cannot be loaded as a LayersModel (${(e as Error).message})`);
  }

  let optimizer: tf.Optimizer | null = null;
  if (optimizerState) {
    try {
      optimizer = createOptimizer(optimizerState.json.className, optimizerState.json.config, optimizerFile);
      const decoded = tf.io.decodeWeights(optimizerState.data, optimizerState.specs);
      // Order matters (Adam: iterations, first moments, second moments), so follow the manifest.
      const named = optimizerState.specs.map((s) => ({ name: s.name, tensor: decoded[s.name] }));
      try {
        await optimizer.setWeights(named);
      } finally {
        tf.dispose(Object.values(decoded));
      }
    } catch (e) {
      optimizer?.dispose();
      // loadLayersModel compiles with an optimizer *instance*, which the model then does not own.
      const auto = model.optimizer;
      model.dispose();
      auto?.dispose();
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(
        path.join(root, 'optimizer.bin'),
        `cannot restore the optimizer (${(e as Error).message})`,
      );
    }
    if (model.optimizer) {
      // loadLayersModel compiled the model from the training config with a fresh optimizer: swap in ours.
      const fresh = model.optimizer;
      model.optimizer = optimizer;
      fresh.dispose();
      (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
    } else if (options.compile) {
      model.compile({ ...options.compile, optimizer });
      (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
    }
  } else if (model.optimizer) {
    // Compiled from the training config with a fresh optimizer: let model.dispose() free it.
    (model as unknown as { isOptimizerOwned: boolean }).isOptimizerOwned = true;
  } else if (options.compile) {
    model.dispose();
    throw new InputError('compile', 'a checkpoint with an optimizer', `${root} without optimizer.json`);
  }
  return {
    model,
    optimizer,
    epoch: meta.epoch as number,
    extra: meta.extra ?? null,
    createdAt: String(meta.createdAt),
  };
}

/** Options of {@link checkpointCallback}. */
export interface CheckpointCallbackOptions {
  /** Checkpoint folder, replaced atomically at each save. */
  dir: string;
  /** Save every `every` epochs (and never mid-epoch). Default 1. */
  every?: number;
  /** Extra state to store, computed at save time from the epoch (0-based) and its logs. */
  extra?: (epoch: number, logs: Record<string, number>) => unknown;
}

/**
 * A `fit` callback that saves a checkpoint (see {@link saveCheckpoint}) every `every` epochs, with `epoch` =
 * epochs completed. Resume after a crash:
 *
 * @example
 * const callbacks = [checkpointCallback({ dir })];
 * if (await hasCheckpoint(dir)) {
 *   const ckpt = await loadCheckpoint(dir);
 *   await ckpt.model.fit(x, y, { epochs: 50, initialEpoch: ckpt.epoch, callbacks });
 * } else {
 *   await model.fit(x, y, { epochs: 50, callbacks });
 * }
 */
export function checkpointCallback(options: CheckpointCallbackOptions): tfl.Callback {
  const { dir, every = 1, extra } = options;
  if (typeof dir !== 'string' || dir.length === 0) throw new InputError('dir', 'a folder path', String(dir));
  if (!Number.isInteger(every) || every < 1) throw new InputError('every', 'an integer >= 1', String(every));
  class CheckpointCallback extends tfl.Callback {
    override async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
      if ((epoch + 1) % every !== 0) return;
      const values: Record<string, number> = {};
      if (extra) {
        for (const [k, v] of Object.entries(logs ?? {})) values[k] = typeof v === 'number' ? v : (await v.data())[0];
      }
      await saveCheckpoint(dir, { model: this.model, epoch: epoch + 1, extra: extra?.(epoch, values) });
    }
  }
  return new CheckpointCallback();
}
