import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeValue, InputError } from '@tiefe/core';

/**
 * A saved or loaded model: a URL or path that `tf.io` has a load handler for (`file:///dir/model.json` once
 * `@tiefe/core` is imported, `https://...`, `indexeddb://...`), a `tf.io.IOHandler` (e.g.
 * `tf.io.fromMemory(artifacts)`), or a loaded `tf.LayersModel`.
 */
export type ModelSource = string | tf.io.IOHandler | tfl.LayersModel;

function isLayersModel(v: unknown): v is tfl.LayersModel {
  return typeof v === 'object' && v !== null && typeof (v as tfl.LayersModel).save === 'function' && 'layers' in v;
}

/** The model artifacts (topology, weight specs, weight bytes) of `source`, read through tfjs's own IO. */
export async function readArtifacts(fn: string, source: ModelSource): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  if (isLayersModel(source)) {
    await source.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
  } else if (typeof source === 'string') {
    const handlers = tf.io.getLoadHandlers(source);
    if (handlers.length === 0 || typeof handlers[0].load !== 'function') {
      throw new InputError(
        `${fn}: source`,
        "a model URL tf.io can load (file:///dir/model.json after importing '@tiefe/core', http(s)://, indexeddb://)",
        JSON.stringify(source),
      );
    }
    artifacts = await handlers[0].load();
  } else if (typeof source === 'object' && source !== null && typeof source.load === 'function') {
    artifacts = await source.load();
  } else {
    throw new InputError(
      `${fn}: source`,
      'a model URL, a tf.io.IOHandler with load(), or a LayersModel',
      describeValue(source),
    );
  }
  if (!artifacts || artifacts.modelTopology == null || artifacts.weightSpecs == null || artifacts.weightData == null) {
    throw new InputError(
      `${fn}: source`,
      'a model with topology, weight specs and weight data',
      'incomplete artifacts',
    );
  }
  return artifacts;
}

/** Bytes of a model's weight data (one buffer or a list of shards). */
export function weightBytes(data: tf.io.WeightData): number {
  return new tf.io.CompositeArrayBuffer(data).byteLength;
}
