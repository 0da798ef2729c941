import * as tfl from '@tensorflow/tfjs-layers';
import { checkInt, checkOneOf, checkOptions, checkRate, InputError } from '@tiefe/core';
import { layerOutput, type Sym } from './cut.js';
import { layerByName } from './selectLayers.js';

/** How a feature map (rank 3 or 4) becomes a vector before the dense layers of a head. */
export type Pooling = 'avg' | 'max' | 'flatten';

interface HeadCommon {
  /**
   * Feature maps to vectors: `'avg'` (global average pooling, default for rank 3 and 4 outputs), `'max'` or
   * `'flatten'`. Ignored for a base whose output is already a vector.
   */
  pooling?: Pooling;
  /** Widths of hidden dense layers (relu) before the output (default none). */
  hidden?: number[];
  /** Dropout rate before each dense layer of the head (default 0: no dropout layer). */
  dropout?: number;
  /** Prefix of the head's layer names (default `'head'`: `head_dense_0`, `head_out`, ...). */
  name?: string;
}

/** A classifier head: softmax over `classes` (a sigmoid unit for `classes: 1`, binary). */
export interface ClassificationHead extends HeadCommon {
  kind: 'classification';
  /** Classes, >= 1. */
  classes: number;
}

/** A regression head: `outputs` linear units (or `activation`). */
export interface RegressionHead extends HeadCommon {
  kind: 'regression';
  /** Output values per example (default 1). */
  outputs?: number;
  /** Output activation (default `'linear'`; `'sigmoid'` for targets in [0, 1]). */
  activation?: 'linear' | 'sigmoid' | 'relu' | 'tanh';
}

/** A head for {@link addHead}. */
export type HeadSpec = ClassificationHead | RegressionHead;

/**
 * Applies the head's layers to `x` (a base's output), checking that the head can take its shape. Exported for
 * {@link headModel}; the layer names are `<name>_pool`, `<name>_dense_<i>`, `<name>_drop_<i>`, `<name>_out`.
 */
export function applyHead(x: Sym, spec: HeadSpec, fn: string): Sym {
  const o = checkOptions(`${fn}: head`, spec);
  const kind = checkOneOf(`${fn}: head.kind`, o.kind, ['classification', 'regression'] as const);
  const units =
    kind === 'classification'
      ? checkInt(`${fn}: head.classes`, (o as ClassificationHead).classes, 1)
      : checkInt(`${fn}: head.outputs`, (o as RegressionHead).outputs ?? 1, 1);
  const rate = checkRate(`${fn}: head.dropout`, o.dropout ?? 0);
  const hidden = o.hidden ?? [];
  hidden.forEach((h, i) => {
    checkInt(`${fn}: head.hidden[${i}]`, h);
  });
  const name = o.name ?? 'head';
  const rank = x.shape.length;
  const shape = `[${x.shape.map((d) => d ?? 'null').join(',')}]`;
  if (rank > 2) {
    const pooling = checkOneOf(`${fn}: head.pooling`, o.pooling ?? 'avg', ['avg', 'max', 'flatten'] as const);
    if (pooling === 'flatten') {
      if (x.shape.slice(1).some((d) => d === null)) {
        throw new InputError(`${fn}: head`, "a base output of known size for pooling 'flatten'", shape);
      }
      x = tfl.layers.flatten({ name: `${name}_pool` }).apply(x) as Sym;
    } else if (rank === 3 || rank === 4) {
      const make =
        rank === 3
          ? pooling === 'avg'
            ? tfl.layers.globalAveragePooling1d
            : tfl.layers.globalMaxPooling1d
          : pooling === 'avg'
            ? tfl.layers.globalAveragePooling2d
            : tfl.layers.globalMaxPooling2d;
      x = make({ name: `${name}_pool` }).apply(x) as Sym;
    } else {
      throw new InputError(
        `${fn}: head`,
        `a base output of rank 2 (features), 3 or 4 (feature maps), or pooling 'flatten'`,
        `output shape ${shape} with pooling '${pooling}'`,
      );
    }
  } else if (rank !== 2) {
    throw new InputError(`${fn}: head`, 'a base output with a batch axis and features', shape);
  }
  hidden.forEach((h, i) => {
    if (rate > 0) x = tfl.layers.dropout({ rate, name: `${name}_drop_${i}` }).apply(x) as Sym;
    x = tfl.layers.dense({ units: h, activation: 'relu', name: `${name}_dense_${i}` }).apply(x) as Sym;
  });
  if (rate > 0) x = tfl.layers.dropout({ rate, name: `${name}_drop_out` }).apply(x) as Sym;
  const activation =
    kind === 'classification'
      ? units === 1
        ? 'sigmoid'
        : 'softmax'
      : checkOneOf(`${fn}: head.activation`, (o as RegressionHead).activation ?? 'linear', [
          'linear',
          'sigmoid',
          'relu',
          'tanh',
        ] as const);
  return tfl.layers.dense({ units, activation, name: `${name}_out` }).apply(x) as Sym;
}

/** Options of {@link addHead}. */
export interface AddHeadOptions {
  /** Cut the base at this layer first (its output feeds the head); default: the base's output. */
  at?: string;
  /** Name of the new model (default `<base>_<head kind>`). */
  name?: string;
}

/**
 * A new model: `base` (cut at layer `at` when given) with a new head on top. The base's layers and weights are
 * shared, not copied: freeze them to keep them. A base output the head cannot take (rank 5 without `'flatten'`,
 * unknown sizes with `'flatten'`, several outputs) is an InputError naming the shape.
 *
 * @example
 * const model = addHead(pretrained, { kind: 'classification', classes: 5 }, { at: 'dense_feat' });
 */
export function addHead(base: tfl.LayersModel, head: HeadSpec, options: AddHeadOptions = {}): tfl.LayersModel {
  const o = checkOptions('addHead: options', options);
  let x: Sym;
  if (o.at !== undefined) x = layerOutput(layerByName(base, o.at, 'addHead: at'), 'addHead: at');
  else if (base.outputs.length !== 1) {
    throw new InputError(
      'addHead: base',
      'a model with one output (or name a layer with `at`)',
      `${base.outputs.length} outputs`,
    );
  } else x = base.outputs[0];
  const out = applyHead(x, head, 'addHead');
  return tfl.model({ inputs: base.inputs, outputs: out, name: o.name ?? `${base.name}_${head.kind}` });
}

/**
 * A head alone, on inputs of `featureShape` (without the batch axis): train it on cached embeddings
 * ({@link extractFeatures}), then put it on the base with {@link stackHead}.
 */
export function headModel(featureShape: number[], head: HeadSpec): tfl.LayersModel {
  const input = tfl.input({ shape: featureShape, name: `${head.name ?? 'head'}_input` });
  return tfl.model({ inputs: input, outputs: applyHead(input, head, 'headModel'), name: head.name ?? 'head' });
}

/**
 * One flat model `base -> head` from a base and a head trained separately (a chain of single-input layers, as
 * {@link headModel} builds): the head's layers (and trained weights) are applied to the base's output, so the
 * result saves in the Keras format without nesting.
 */
export function stackHead(
  base: tfl.LayersModel,
  head: tfl.LayersModel,
  options: { name?: string } = {},
): tfl.LayersModel {
  if (base.outputs.length !== 1) {
    throw new InputError('stackHead: base', 'a model with one output', `${base.outputs.length} outputs`);
  }
  const got = `[${base.outputs[0].shape.map((d) => d ?? 'null').join(',')}]`;
  const want = `[${head.inputs[0].shape.map((d) => d ?? 'null').join(',')}]`;
  if (head.inputs.length !== 1 || got !== want) {
    throw new InputError('stackHead: head', `a head taking the base's output ${got}`, `input ${want}`);
  }
  let x = base.outputs[0];
  for (const layer of head.layers.slice(1)) {
    if (layer.inboundNodes[0]?.inboundLayers.length !== 1) {
      throw new InputError('stackHead: head', 'a chain of single-input layers', `layer "${layer.name}"`);
    }
    x = layer.apply(x) as Sym;
  }
  return tfl.model({ inputs: base.inputs, outputs: x, name: options.name ?? `${base.name}_${head.name}` });
}
