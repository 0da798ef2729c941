import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Saves `model` to `dir`, reloads it, and returns the max |difference| of their predictions on `x`. */
export async function roundTripDiff(
  model: tfl.LayersModel,
  dir: string,
  x: tf.Tensor,
): Promise<{ diff: number; loaded: tfl.LayersModel }> {
  await model.save(`file://${dir}`);
  const loaded = await tfl.loadLayersModel(`file://${dir}/model.json`);
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
