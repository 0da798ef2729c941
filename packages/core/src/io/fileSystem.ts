/**
 * `file://` model IO in Node, as tfjs-node provides it: importing `@tiefe/core` in Node registers save and
 * load routers for `file://` URLs, so `model.save('file:///abs/dir')` and
 * `tf.loadLayersModel('file:///abs/dir/model.json')` work without tfjs-node, in tfjs-node's layout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors.js';
import { isNode } from '../platform.js';
import { describeValue } from '../validate.js';
import { recoverFolder, writeFolderAtomic } from './atomicWrite.js';
import { checkReplaceableModelFolder, MODEL_JSON, modelFolderFiles, readModelArtifacts } from './modelFiles.js';
import { nodeFs } from './nodeFs.js';

const SCHEME = 'file://';

/**
 * A tfjs IO handler for a model folder on disk (Node only), the one behind `file://` URLs.
 *
 * - `save` writes `<path>/model.json` and `<path>/weights.bin` (tfjs-node's layout, readable by tfjs-node and
 *   Python's `tensorflowjs`) atomically: into a temporary folder beside `path`, then renamed into place, so a
 *   crash or a failed write never leaves a half-written model, and a previous model at `path` stays intact
 *   until the new one is complete. It refuses (an {@link InputError}, nothing touched) to replace a folder
 *   that holds anything but a saved model.
 * - `load` reads `path` when it names a `.json` file, else `<path>/model.json`, and the weight files its
 *   manifest names, checking their sizes (a truncated file is a `ModelFileError`, not garbage weights).
 *
 * `path` may also be a `file://` URL (the prefix is removed, as tfjs-node does).
 *
 * @example
 * await model.save(fileSystem('runs/exp1/model')); // the same as model.save('file://runs/exp1/model')
 * const again = await tf.loadLayersModel(fileSystem('runs/exp1/model/model.json'));
 */
export function fileSystem(path: string): tf.io.IOHandler {
  if (typeof path !== 'string' || path.length === 0 || path === SCHEME) {
    throw new InputError('fileSystem: path', 'a folder path or a file:// URL', describeValue(path));
  }
  const local = path.startsWith(SCHEME) ? path.slice(SCHEME.length) : path;
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await writeFolderAtomic(local, modelFolderFiles(artifacts, 'fileSystem'), {
        caller: 'fileSystem',
        checkReplaceable: (node, dir) => checkReplaceableModelFolder(node, dir, 'fileSystem: path'),
      });
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const node = await nodeFs('fileSystem');
      const file = node.path.resolve(local.endsWith('.json') ? local : node.path.join(local, MODEL_JSON));
      await recoverFolder(node.path.dirname(file), node.path.basename(file), 'fileSystem');
      return readModelArtifacts(node, file);
    },
  };
}

/** The `file://` router: a {@link fileSystem} handler for `file://` URLs, null for any other. */
function fileRouter(url: string | string[]): tf.io.IOHandler | null {
  return typeof url === 'string' && url.startsWith(SCHEME) ? fileSystem(url) : null;
}

/**
 * Registers the `file://` routers once per tfjs-core: not again when another copy of Tiefe (or tfjs-node)
 * already did, since two load handlers for one URL make `tf.loadLayersModel` throw.
 */
function registerFileRouters(): void {
  if (tf.io.getLoadHandlers(`${SCHEME}/probe/${MODEL_JSON}`).length > 0) return;
  // tfjs types routers as always returning a handler, but its registry skips null (tfjs-node's do the same).
  const router = fileRouter as Parameters<typeof tf.io.registerSaveRouter>[0];
  tf.io.registerSaveRouter(router);
  tf.io.registerLoadRouter(router);
}

if (isNode) registerFileRouters();
