import * as tfl from '@tensorflow/tfjs-layers';
import { convUnit, upsample } from '@tiefe/blocks';
import { checkInt, checkOneOf, checkOptions, InputError } from '@tiefe/core';
import { layerOutput, type Sym } from './cut.js';
import { layerByName } from './selectLayers.js';

/** Options of {@link addUnetDecoder}. */
export interface UnetDecoderOptions {
  /** The encoder layer whose output is the bottom of the U (the deepest features). */
  encoderOutput: string;
  /**
   * Encoder layers whose outputs are the skip connections, from the deepest to the shallowest (each one twice
   * the size of the level below it). They usually end the encoder's stages, just before each down-sampling.
   */
  skips: string[];
  /** Output classes: a per-pixel softmax, or a sigmoid for 1 (binary masks). */
  classes: number;
  /** Channels of each decoder level, one per skip (default: each skip's own channel count). */
  filters?: number[];
  /** Batch norm in the decoder's convolutions (default true). */
  batchNorm?: boolean;
  /** Up-sampling: `'transpose'` (2x2 transposed convolution, default) or `'upsample'` (repeat + 2x2 conv). */
  upsampling?: 'transpose' | 'upsample';
  /** Name of the new model (default `<encoder>_unet`). */
  name?: string;
}

const shapeOf = (x: Sym) => `[${x.shape.map((d) => d ?? 'null').join(',')}]`;

/**
 * A segmentation model from a (pre-trained) image encoder: the U-Net decoder of segmentation_models.pytorch's
 * encoder/decoder idea. Starting at `encoderOutput`, each level up-samples by 2 (blocks' `upsample`),
 * concatenates the next skip connection taken from a named encoder layer, and applies two 3x3 `convUnit`s; a
 * 1x1 convolution gives the classes. When the last skip is smaller than the input, 2x up-sampling levels
 * without a skip follow until the input size is reached. The encoder's layers are shared: freeze them to keep
 * the pre-trained weights. Sizes that do not double from level to level are an InputError naming the shapes.
 *
 * @example
 * const seg = addUnetDecoder(encoder, { encoderOutput: 'pool2', skips: ['relu4', 'relu2'], classes: 3 });
 */
export function addUnetDecoder(encoder: tfl.LayersModel, options: UnetDecoderOptions): tfl.LayersModel {
  const o = checkOptions('addUnetDecoder: options', options);
  const classes = checkInt('addUnetDecoder: classes', o.classes, 1);
  const upsampling = checkOneOf('addUnetDecoder: upsampling', o.upsampling ?? 'transpose', [
    'transpose',
    'upsample',
  ] as const);
  if (!Array.isArray(o.skips))
    throw new InputError('addUnetDecoder: skips', 'an array of layer names', String(o.skips));
  if (encoder.inputs.length !== 1 || encoder.inputs[0].shape.length !== 4) {
    throw new InputError('addUnetDecoder: encoder', 'a model with one image input [N, H, W, C]', 'another input');
  }
  const bn = o.batchNorm ?? true;
  let x = layerOutput(
    layerByName(encoder, o.encoderOutput, 'addUnetDecoder: encoderOutput'),
    'addUnetDecoder: encoderOutput',
  );
  if (x.shape.length !== 4) {
    throw new InputError('addUnetDecoder: encoderOutput', 'a layer with a feature map [N, H, W, C]', shapeOf(x));
  }
  const skips = o.skips.map((name, i) =>
    layerOutput(layerByName(encoder, name, `addUnetDecoder: skips[${i}]`), `addUnetDecoder: skips[${i}]`),
  );
  if (o.filters !== undefined && (!Array.isArray(o.filters) || o.filters.length !== skips.length)) {
    throw new InputError(
      'addUnetDecoder: filters',
      `an array of ${skips.length} channel counts (one per skip)`,
      String(o.filters),
    );
  }
  const level = (t: Sym, f: number) =>
    convUnit(convUnit(t, { filters: f, batchNorm: bn, kernelInitializer: 'heNormal' }), {
      filters: f,
      batchNorm: bn,
      kernelInitializer: 'heNormal',
    });
  skips.forEach((skip, i) => {
    const want = [2 * (x.shape[1] as number), 2 * (x.shape[2] as number)];
    if (skip.shape.length !== 4 || skip.shape[1] !== want[0] || skip.shape[2] !== want[1]) {
      throw new InputError(
        `addUnetDecoder: skips[${i}]`,
        `a feature map of size ${want[0]}x${want[1]} (twice the level below, ${shapeOf(x)})`,
        `layer "${o.skips[i]}" with output ${shapeOf(skip)}`,
      );
    }
    const f = checkInt(`addUnetDecoder: filters[${i}]`, o.filters?.[i] ?? (skip.shape[3] as number));
    x = upsample(x, { method: upsampling, filters: f });
    x = tfl.layers.concatenate({ axis: -1 }).apply([skip, x]) as Sym;
    x = level(x, f);
  });
  const [h, w] = encoder.inputs[0].shape.slice(1, 3) as number[];
  while ((x.shape[1] as number) < h) {
    const f = Math.max(8, Math.floor((x.shape[3] as number) / 2));
    x = level(upsample(x, { method: upsampling, filters: f }), f);
  }
  if (x.shape[1] !== h || x.shape[2] !== w) {
    throw new InputError(
      'addUnetDecoder: encoderOutput',
      `a decoder output of the input's size ${h}x${w} (sizes halving exactly through the encoder)`,
      shapeOf(x),
    );
  }
  const out = convUnit(x, { filters: classes, kernelSize: 1, activation: classes === 1 ? 'sigmoid' : 'softmax' });
  return tfl.model({ inputs: encoder.inputs, outputs: out, name: o.name ?? `${encoder.name}_unet` });
}
