import type * as tfl from '@tensorflow/tfjs-layers';

/** One row of {@link modelSummary}: a layer, as Keras' `model.summary()` lists it. */
export interface LayerSummary {
  /** Position in `model.layers`. */
  index: number;
  name: string;
  /** The tfjs class name (`Conv2D`, `BatchNormalization`, ...). */
  className: string;
  /** Output shape with `null` for the batch axis; a list of shapes for a layer with several outputs. */
  outputShape: (number | null)[] | (number | null)[][];
  /** All weights' element counts (trainable or not), Keras' "Param #". */
  params: number;
  /** Elements of the weights that training changes now (0 for a frozen layer). */
  trainableParams: number;
  /** Whether the layer is trainable (`layer.trainable`). */
  trainable: boolean;
  /** Names of the layers feeding it (Keras' "Connected to"). */
  inputs: string[];
}

/** What {@link modelSummary} returns: the rows and Keras' three totals. */
export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totalParams: number;
  /** Parameters an optimizer updates now. */
  trainableParams: number;
  /** The rest: frozen layers' weights and batch-norm moving statistics. */
  nonTrainableParams: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Keras' `model.summary()` as data: every layer with its output shape and parameter counts, and the totals
 * (batch-norm moving statistics count as non-trainable parameters, as in Keras). {@link formatSummary} prints it.
 *
 * @example
 * const s = modelSummary(smallCnn()); // s.totalParams === 468394, s.layers[1].outputShape: [null, 28, 28, 32]
 */
export function modelSummary(model: tfl.LayersModel): ModelSummary {
  const layers = model.layers.map((layer, index): LayerSummary => {
    const inputs = new Set<string>();
    for (const node of layer.inboundNodes) for (const l of node.inboundLayers) inputs.add(l.name);
    return {
      index,
      name: layer.name,
      className: layer.getClassName(),
      outputShape: layer.outputShape as LayerSummary['outputShape'],
      params: layer.countParams(),
      trainableParams: layer.trainableWeights.reduce((s, w) => s + size(w.shape as number[]), 0),
      trainable: layer.trainable,
      inputs: [...inputs],
    };
  });
  // Shared weights (a layer applied twice is one layer; one variable in two layers is rare) count once, by name.
  const count = (weights: tfl.LayerVariable[]) => {
    const seen = new Map<string, number>();
    for (const w of weights) seen.set(w.name, size(w.shape as number[]));
    return [...seen.values()].reduce((a, b) => a + b, 0);
  };
  const trainableParams = count(model.trainableWeights);
  const totalParams = count(model.weights);
  return { name: model.name, layers, totalParams, trainableParams, nonTrainableParams: totalParams - trainableParams };
}

const thousands = (n: number): string => n.toLocaleString('en-US');

function shapeText(shape: LayerSummary['outputShape']): string {
  const one = (s: (number | null)[]) => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;
  return Array.isArray(shape[0]) ? (shape as (number | null)[][]).map(one).join(' ') : one(shape as (number | null)[]);
}

/**
 * {@link modelSummary} as Keras prints it: a table of layer (type), output shape, parameters and the layers it
 * is connected to, then total, trainable and non-trainable parameters. Frozen layers are marked `(frozen)`.
 */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [
    `${l.name} (${l.className})${l.trainable || l.params === 0 ? '' : ' (frozen)'}`,
    shapeText(l.outputShape),
    thousands(l.params),
    l.inputs.join(', '),
  ]);
  const head = ['Layer (type)', 'Output Shape', 'Param #', 'Connected to'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = (ch: string) => ch.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `Model: "${summary.name}"`,
    rule('_'),
    line(head),
    rule('='),
    ...rows.map(line),
    rule('='),
    `Total params: ${thousands(summary.totalParams)}`,
    `Trainable params: ${thousands(summary.trainableParams)}`,
    `Non-trainable params: ${thousands(summary.nonTrainableParams)}`,
    rule('_'),
  ].join('\n');
}
