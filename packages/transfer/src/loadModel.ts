import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeValue, InputError, ModelFileError, TiefeError } from '@tiefe/core';

/**
 * Where a trained model comes from: a URL (`file://` folder or `model.json` in Node through core's handler,
 * `http(s)://`, `indexeddb://` and `localstorage://` in browsers), a tfjs IO handler (`tf.io.browserFiles`,
 * `tf.io.http`, core's `fileSystem`, ...), or the model's artifacts in memory (`{ modelTopology, weightSpecs,
 * weightData }`, what `model.save(tf.io.withSaveHandler(...))` receives).
 */
export type ModelSource = string | tf.io.IOHandler | tf.io.ModelArtifacts;

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Refuse weights that the topology does not name, and missing ones (default true, as tfjs). */
  strict?: boolean;
}

const SCHEMES = ['file://', 'http://', 'https://', 'indexeddb://', 'localstorage://'];

function isHandler(v: unknown): v is tf.io.IOHandler {
  return v !== null && typeof v === 'object' && typeof (v as tf.io.IOHandler).load === 'function';
}

function isArtifacts(v: unknown): v is tf.io.ModelArtifacts {
  return v !== null && typeof v === 'object' && 'modelTopology' in (v as object);
}

/**
 * Loads a trained tfjs-layers (Keras-format) model from any {@link ModelSource}, one function over tfjs' IO
 * handlers. A source that cannot be read (a URL that answers 404 or does not connect, a missing folder, a
 * truncated weight file, a scheme with no handler on this platform) is a `ModelFileError` naming the source;
 * a source that is none of the accepted kinds is an `InputError`.
 *
 * @example
 * const base = await loadModel('file:///models/digits'); // the folder model.save('file:///models/digits') wrote
 * const same = await loadModel('https://example.com/digits/model.json');
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions = {}): Promise<tfl.LayersModel> {
  let handler: string | tf.io.IOHandler;
  let label: string;
  if (typeof source === 'string') {
    if (!SCHEMES.some((s) => source.startsWith(s))) {
      throw new InputError('loadModel: source', `a URL starting with ${SCHEMES.join(', ')}`, describeValue(source));
    }
    handler = source;
    label = source;
  } else if (isHandler(source)) {
    handler = source;
    label = 'the given IO handler';
  } else if (isArtifacts(source)) {
    handler = tf.io.fromMemory(source);
    label = 'the model artifacts in memory';
  } else {
    throw new InputError(
      'loadModel: source',
      'a model URL, a tfjs IO handler or model artifacts ({ modelTopology, weightSpecs, weightData })',
      describeValue(source),
    );
  }
  if (typeof handler === 'string' && tf.io.getLoadHandlers(handler).length === 0) {
    throw new ModelFileError(
      label,
      'no tfjs IO handler on this platform reads this URL (indexeddb:// and localstorage:// exist in browsers only; file:// in Node after importing @tiefe/core)',
    );
  }
  try {
    return await tfl.loadLayersModel(handler, { strict: options.strict ?? true });
  } catch (e) {
    if (e instanceof TiefeError) throw e;
    throw new ModelFileError(label, `could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The model's artifacts in memory (topology and weights, no optimizer): a {@link ModelSource} that
 * {@link loadModel} turns into independent copies, for example one fresh copy of a source model per seed.
 *
 * @example
 * const artifacts = await modelArtifacts(source);
 * const copy = await loadModel(artifacts); // same weights, its own variables
 */
export async function modelArtifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  return artifacts as tf.io.ModelArtifacts;
}
