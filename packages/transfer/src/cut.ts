import * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';
import { layerByName } from './selectLayers.js';

/** A symbolic tensor of the functional API. */
export type Sym = tfl.SymbolicTensor;

/** The single output of `layer` (its first application), or an InputError for a layer with several. */
export function layerOutput(layer: tfl.layers.Layer, input: string): Sym {
  const out = layer.inboundNodes.length > 0 ? layer.getOutputAt(0) : undefined;
  if (out === undefined || Array.isArray(out)) {
    throw new InputError(input, 'a layer with exactly one output', `layer "${layer.name}" (${layer.getClassName()})`);
  }
  return out;
}

/**
 * The part of `model` from its inputs to the output of layer `layer` (inclusive), as a new functional model
 * that shares the layers and weights of `model` (training one trains the other; freeze what must stay).
 * An unknown name is an InputError listing the nearest names.
 *
 * @example
 * const base = cutAt(pretrained, 'flatten'); // the feature extractor of a classifier
 */
export function cutAt(model: tfl.LayersModel, layer: string, options: { name?: string } = {}): tfl.LayersModel {
  const out = layerOutput(layerByName(model, layer, 'cutAt: layer'), 'cutAt: layer');
  return tfl.model({ inputs: model.inputs, outputs: out, name: options.name ?? `${model.name}_to_${layer}` });
}
