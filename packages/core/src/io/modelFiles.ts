/**
 * The on-disk layout of a saved tfjs model, the same as tfjs-node's `file://` handler writes (so tfjs-node
 * and Python's `tensorflowjs` read it): `model.json` (topology, training config, metadata and a weights
 * manifest naming `./weights.bin`) and `weights.bin` (all weights, concatenated in manifest order).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import type { FolderFiles } from './atomicWrite.js';
import { ModelFileError } from './modelFileError.js';
import type { NodeFs } from './nodeFs.js';

/** The model topology and manifest file. */
export const MODEL_JSON = 'model.json';
/** The weights file. */
export const WEIGHTS_BIN = 'weights.bin';

/** Files a Tiefe checkpoint adds to a saved model (see `saveCheckpoint`); such a folder is a saved model too. */
const CHECKPOINT_FILES = ['checkpoint.json', 'optimizer.json'];

/** The bytes of tfjs weight data (one buffer or several). */
function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  return data === undefined ? new Uint8Array(0) : new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** `model.json` and `weights.bin` for model artifacts, in writing order (`model.json`, which names the weights, last). */
export function modelFolderFiles(artifacts: tf.io.ModelArtifacts, caller: string): FolderFiles {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new InputError(
      `${caller}: model`,
      'a model with a JSON topology (a LayersModel or GraphModel)',
      'a binary topology',
    );
  }
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature) json.initializerSignature = artifacts.initializerSignature;
  return [
    [WEIGHTS_BIN, weightBytes(artifacts.weightData)],
    [MODEL_JSON, JSON.stringify(json)],
  ];
}

/** Reads a file, or throws {@link ModelFileError} saying it is missing or unreadable. */
async function readModelFile(fs: NodeFs['fs'], file: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelFileError(file, code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`);
  }
}

/** Reads and parses a JSON object, or throws {@link ModelFileError}. */
export async function readJsonObject(fs: NodeFs['fs'], file: string): Promise<Record<string, unknown>> {
  const text = new TextDecoder().decode(await readModelFile(fs, file));
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v;
  } catch (e) {
    throw new ModelFileError(file, `is not valid JSON (${(e as Error).message})`);
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((total, s) => {
    const dtype = s.quantization?.dtype ?? s.dtype;
    return total + s.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[dtype] ?? 4);
  }, 0);
}

function manifestOf(json: Record<string, unknown>, jsonFile: string): tf.io.WeightsManifestConfig {
  const manifest = json.weightsManifest;
  const ok =
    Array.isArray(manifest) &&
    manifest.every(
      (g) =>
        g && Array.isArray(g.paths) && g.paths.every((p: unknown) => typeof p === 'string') && Array.isArray(g.weights),
    );
  if (!ok) throw new ModelFileError(jsonFile, 'has no valid weightsManifest');
  return manifest as tf.io.WeightsManifestConfig;
}

/**
 * Reads the weight files that `json.weightsManifest` names (relative to `jsonFile`'s folder), checking each
 * group's byte count against its specs, so that a truncated file is reported instead of loading garbage.
 */
export async function readWeights(
  { fs, path }: NodeFs,
  json: Record<string, unknown>,
  jsonFile: string,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const dir = path.dirname(jsonFile);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of manifestOf(json, jsonFile)) {
    const files = group.paths.map((p) => {
      // Confined to the model's folder: a hostile model.json must not make us read '../../../etc/hostname'.
      const file = path.resolve(dir, p);
      const rel = path.relative(dir, file);
      if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
        throw new ModelFileError(jsonFile, `names a weight file outside its folder: ${p}`);
      }
      return file;
    });
    const parts = await Promise.all(files.map((f) => readModelFile(fs, f)));
    const got = parts.reduce((n, b) => n + b.byteLength, 0);
    const want = expectedBytes(group.weights);
    if (got !== want) {
      throw new ModelFileError(
        files.join(', '),
        `has ${got} bytes, but ${jsonFile} describes ${want} (truncated or corrupt)`,
      );
    }
    specs.push(...group.weights);
    for (const b of parts) buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  return { specs, data: tf.io.CompositeArrayBuffer.join(buffers) };
}

/** Reads a saved model (`model.json` and its weights) as tfjs model artifacts. */
export async function readModelArtifacts(node: NodeFs, modelJsonFile: string): Promise<tf.io.ModelArtifacts> {
  const json = await readJsonObject(node.fs, modelJsonFile);
  if (json.modelTopology === undefined) throw new ModelFileError(modelJsonFile, 'has no modelTopology');
  const weights = await readWeights(node, json, modelJsonFile);
  return tf.io.getModelArtifactsForJSON(json as unknown as tf.io.ModelJSON, async () => [weights.specs, weights.data]);
}

/**
 * Throws {@link InputError} unless folder `dir` may be replaced by a saved model: it must be a folder that is
 * empty or holds a saved model (a `model.json` with a topology, the weight files its manifest names, and a
 * checkpoint's files) and nothing else, so that `model.save` never deletes the user's other files.
 */
export async function checkReplaceableModelFolder({ fs, path }: NodeFs, dir: string, caller: string): Promise<void> {
  const refuse = (got: string): never => {
    throw new InputError(caller, 'a new folder, an empty folder or a saved model to replace', got);
  };
  const stat = await fs.stat(dir);
  if (!stat.isDirectory()) refuse(`${dir}, which is a file`);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  if (entries.length === 0) return;
  const known = new Set([MODEL_JSON, ...CHECKPOINT_FILES]);
  let isModel = false;
  for (const jsonName of [MODEL_JSON, 'optimizer.json']) {
    if (!entries.some((e) => e.name === jsonName)) continue;
    try {
      const json = JSON.parse(await fs.readFile(path.join(dir, jsonName), 'utf8'));
      if (jsonName === MODEL_JSON && json?.modelTopology !== undefined) isModel = true;
      for (const group of json?.weightsManifest ?? []) {
        // Only `.bin` names count as weight files: a model.json listing 'thesis.tex' must not make it deletable.
        for (const p of group?.paths ?? []) if (String(p).endsWith('.bin')) known.add(path.normalize(String(p)));
      }
    } catch {
      // unreadable JSON: not a saved model, unless model.json proves otherwise
    }
  }
  const foreign = entries.filter((e) => !e.isFile() || !known.has(e.name)).map((e) => e.name);
  if (!isModel || foreign.length > 0) {
    const shown = (foreign.length > 0 ? foreign : entries.map((e) => e.name)).slice(0, 5).join(', ');
    refuse(
      `${dir}, which holds ${isModel ? 'other files besides a saved model' : 'no saved model'} (${shown}${entries.length > 5 ? ', ...' : ''})`,
    );
  }
}
