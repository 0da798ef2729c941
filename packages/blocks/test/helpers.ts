import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A minimal `file://`-like IO handler (tfjs-layers' own needs tfjs-node): model.json + weights.bin in `dir`. */
export function dirHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = artifacts.weightData as ArrayBuffer;
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      // Write to .tmp, then rename: a crash never leaves a half-written model behind.
      writeFileSync(join(dir, 'weights.bin.tmp'), Buffer.from(weights));
      renameSync(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'));
      writeFileSync(join(dir, 'model.json.tmp'), JSON.stringify(json));
      renameSync(join(dir, 'model.json.tmp'), join(dir, 'model.json'));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const bin = readFileSync(join(dir, 'weights.bin'));
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      };
    },
  };
}

/** Saves `model` to `dir`, reloads it, and returns the max |difference| of their predictions on `x`. */
export async function roundTripDiff(
  model: tfl.LayersModel,
  dir: string,
  x: tf.Tensor,
): Promise<{ diff: number; loaded: tfl.LayersModel }> {
  await model.save(dirHandler(dir));
  const loaded = await tfl.loadLayersModel(dirHandler(dir));
  if (!loaded) throw new Error(`no model reloaded from ${dir}`);
  const diff = tf.tidy(
    () => tf.max(tf.abs(tf.sub(model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor))).dataSync()[0],
  );
  return { diff, loaded };
}

/** Number of trainable parameters. */
export function trainableCount(model: tfl.LayersModel): number {
  return model.trainableWeights.reduce((a, w) => a + w.shape.reduce((p: number, q) => p * (q ?? 0), 1), 0);
}

/** Parameters of a k^r convolution from cin to cout channels, with or without bias. */
export const convParams = (k: number, cin: number, cout: number, bias = true, rank = 2) =>
  k ** rank * cin * cout + (bias ? cout : 0);
/** Batch norm: gamma, beta, moving mean, moving variance. */
export const bnParams = (c: number) => 4 * c;
/** Dense layer. */
export const denseParams = (nin: number, nout: number) => nin * nout + nout;
