import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InputError, TiefeError } from '../../errors.js';
import { writeFolderAtomic } from '../../io/atomicWrite.js';
import { checkReplaceableModelFolder, modelFolderFiles } from '../../io/modelFiles.js';
import { checkInt, describeValue } from '../../validate.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_JSON, CHECKPOINT_VERSION, sha256Hex } from './layout.js';
import { optimizerFiles } from './optimizerState.js';

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

/** True for a loss/metric spec made of names only (functions cannot go into model.json). */
function serialisable(spec: unknown): boolean {
  if (typeof spec === 'string') return true;
  if (Array.isArray(spec)) return spec.every((s) => typeof s === 'string');
  if (spec && typeof spec === 'object') return Object.values(spec).every((s) => typeof s === 'string');
  return false;
}

/** The model's artifacts (topology, weights, training config when serialisable), collected in memory. */
async function modelArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  // Not includeOptimizer: it leaks a tensor per save (tfjs issue 8238); optimizerFiles saves the state instead.
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!artifacts?.modelTopology) throw new TiefeError('saveCheckpoint: model.save gave no topology');
  if (model.optimizer && serialisable(model.loss) && (model.metrics == null || serialisable(model.metrics))) {
    try {
      artifacts.trainingConfig = (
        model as unknown as { getTrainingConfig(): tf.io.TrainingConfig }
      ).getTrainingConfig();
    } catch {
      // a custom loss function: loadCheckpoint needs `compile` then
    }
  }
  return artifacts;
}

/**
 * Saves model, optimizer state and metadata into folder `dir` (layout: see `layout.ts`; the folder is also
 * a saved tfjs model), atomically with the same folder writer as `model.save('file://...')`: everything is
 * written into `<dir>.tmp-<random>` first; then an existing checkpoint is moved aside, the new one renamed to
 * `dir`, and the old one deleted. A failure while writing leaves any previous checkpoint at `dir` untouched;
 * a folder holding anything but a saved model or checkpoint is refused. Returns the checkpoint's metadata.
 * Creates no lasting tensors.
 *
 * @example
 * await saveCheckpoint('runs/exp1/ckpt', { model, epoch: 5, extra: { bestValLoss } });
 */
export async function saveCheckpoint(
  dir: string,
  state: CheckpointState,
): Promise<{ epoch: number; createdAt: string; files: Record<string, number> }> {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InputError('saveCheckpoint: dir', 'a folder path', describeValue(dir));
  }
  const { model, epoch, extra } = state ?? ({} as CheckpointState);
  if (!(model instanceof tfl.LayersModel)) {
    throw new InputError('saveCheckpoint: model', 'a tf.LayersModel', describeValue(model));
  }
  checkInt('saveCheckpoint: epoch', epoch, 0);
  const optimizer = state.optimizer === undefined ? (model.optimizer ?? null) : state.optimizer;
  let extraJson: string;
  try {
    extraJson = JSON.stringify(extra ?? null);
  } catch (e) {
    throw new InputError('saveCheckpoint: extra', 'JSON-serialisable data', (e as Error).message);
  }

  // Everything is collected in memory first; only then is the disk touched.
  const files = [
    ...modelFolderFiles(await modelArtifacts(model), 'saveCheckpoint'),
    ...(optimizer ? await optimizerFiles(optimizer) : []),
  ];
  const sizes: Record<string, number> = {};
  const sha256: Record<string, string> = {};
  for (const [name, data] of files) {
    sizes[name] = typeof data === 'string' ? new TextEncoder().encode(data).length : data.length;
    sha256[name] = await sha256Hex(data);
  }
  const createdAt = new Date().toISOString();
  const meta = `{"format":"${CHECKPOINT_FORMAT}","version":${CHECKPOINT_VERSION},"epoch":${epoch},"createdAt":"${createdAt}","files":${JSON.stringify(sizes)},"sha256":${JSON.stringify(sha256)},"extra":${extraJson}}`;
  await writeFolderAtomic(dir, [...files, [CHECKPOINT_JSON, meta]], {
    caller: 'saveCheckpoint',
    checkReplaceable: (node, target) => checkReplaceableModelFolder(node, target, 'saveCheckpoint: dir'),
  });
  return { epoch, createdAt, files: sizes };
}
