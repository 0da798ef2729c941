import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';
import { UnsupportedLayerError } from './errors.js';
import { type GraphNode, type Layer, type ModelGraph, parseGraph } from './graph.js';
import type { LayerInfo } from './lrp/composites.js';
import {
  affineMapOf,
  foldBatchNorm,
  isLastAxisBatchNorm,
  LINEAR_CLASSES,
  type LinearMap,
  linearMapOf,
} from './lrp/linearMap.js';

/**
 * How each layer call is evaluated forward and how LRP passes relevance through it:
 * - `input`: the model input.
 * - `identity`: elementwise activations, dropout/noise layers, a folded BatchNormalization, a stripped final
 *   softmax: relevance passes unchanged.
 * - `route`: layers that only move or select values (Flatten, Reshape, Permute, padding, cropping,
 *   Concatenate, max pooling = winner takes all): R_in = (d y / d x)^T R, the gradient routes relevance.
 * - `zrule`: parameter-free linear layers (Add, Average, average pooling): R_in = x (d y/ d x)^T (R / y).
 * - `linear`: Dense and convolutions (with a following BatchNormalization folded in), or a BatchNormalization
 *   that follows no linear layer (as an elementwise affine map); the layer's LRP rule applies.
 * - `generic`: any other layer, forward only (gradient methods); LRP rejects it.
 */
export type Step =
  | { type: 'input' }
  | { type: 'identity'; forward: 'layer' | 'skip' }
  | { type: 'route' }
  | { type: 'zrule' }
  | { type: 'linear'; map: LinearMap; activation: ((z: tf.Tensor) => tf.Tensor) | null; info: LayerInfo | null }
  | { type: 'generic' };

export interface Plan {
  graph: ModelGraph;
  steps: Step[];
  /** The public function the plan serves (`'lrp'`, `'saliency'`), for error names. */
  method: string;
}

const ELEMENTWISE = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'PReLU',
  'Dropout',
  'SpatialDropout1D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'Masking',
]);
const ROUTE = new Set([
  'Flatten',
  'Reshape',
  'Permute',
  'MaxPooling1D',
  'MaxPooling2D',
  'MaxPooling3D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'ZeroPadding2D',
  'Cropping2D',
  'Concatenate',
]);
const ZRULE = new Set([
  'Add',
  'Average',
  'AveragePooling1D',
  'AveragePooling2D',
  'AveragePooling3D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
]);
const LINEAR = new Set<string>(LINEAR_CLASSES);
const OUTPUT_SQUASH = new Set(['softmax', 'sigmoid']);

/** The list LRP prints when it meets a layer it does not know. */
export const LRP_SUPPORTED = [...LINEAR, 'BatchNormalization', ...ELEMENTWISE, ...ROUTE, ...ZRULE].join(', ');

interface ActivationLike {
  activation?: { apply(t: tf.Tensor): tf.Tensor; getClassName(): string };
}

function activationName(layer: Layer): string {
  const a = (layer as unknown as ActivationLike).activation;
  return a ? a.getClassName().toLowerCase() : 'linear';
}

/**
 * Builds the evaluation plan of `model`. With `strict` (LRP), every layer must be one LRP understands, else an
 * {@link UnsupportedLayerError} names it; without (gradient methods), other layers run through `layer.apply`.
 * A final softmax or sigmoid (as the output layer's activation, an Activation layer or a Softmax layer) is
 * stripped, so the plan computes the logits.
 */
export function buildPlan(model: tfl.LayersModel, method: string, strict: boolean): Plan {
  const graph = parseGraph(model, method);
  const { nodes, output } = graph;
  const steps: Step[] = new Array(nodes.length);
  const folded = new Set<number>();
  const hasLinearBefore: boolean[] = new Array(nodes.length).fill(false);
  for (const node of nodes) {
    hasLinearBefore[node.id] = node.inputs.some((i) => hasLinearBefore[i] || steps[i]?.type === 'linear');
    steps[node.id] = stepOf(node, nodes, output, method, strict, folded, !hasLinearBefore[node.id]);
  }
  return { graph, steps, method };
}

function stepOf(
  node: GraphNode,
  nodes: GraphNode[],
  output: number,
  method: string,
  strict: boolean,
  folded: Set<number>,
  first: boolean,
): Step {
  const { layer, className } = node;
  const isOutput = node.id === output;
  const act = activationName(layer);
  if (node.id === 0) return { type: 'input' };
  if (className === 'InputLayer') return { type: 'identity', forward: 'skip' };
  if (folded.has(node.id)) return { type: 'identity', forward: 'skip' };
  if (className === 'Softmax' || (className === 'Activation' && act === 'softmax')) {
    if (isOutput) return { type: 'identity', forward: 'skip' };
    if (strict)
      throw new UnsupportedLayerError(method, layer.name, className, 'softmax is only supported as the output');
    return { type: 'generic' };
  }
  if (className === 'Activation' && act === 'sigmoid' && isOutput) return { type: 'identity', forward: 'skip' };
  if (ELEMENTWISE.has(className)) return { type: 'identity', forward: 'layer' };
  if (ROUTE.has(className)) return { type: 'route' };
  if (ZRULE.has(className)) return { type: 'zrule' };
  const rank = (node.layer.inboundNodes[0]?.inputTensors[0]?.shape.length ?? 0) as number;
  if (LINEAR.has(className)) {
    let map = linearMapOf(method, layer, className);
    let activation: ((z: tf.Tensor) => tf.Tensor) | null = (z) =>
      (layer as unknown as ActivationLike).activation!.apply(z);
    if (act === 'linear') activation = null;
    if (isOutput && OUTPUT_SQUASH.has(act)) activation = null;
    else if (act === 'softmax') {
      if (strict)
        throw new UnsupportedLayerError(method, layer.name, className, 'softmax is only supported as the output');
      return { type: 'generic' };
    }
    // Fold a BatchNormalization that is this layer's only consumer (standard conv-BN-ReLU blocks).
    if (act === 'linear' && node.consumers.length === 1) {
      const next = nodes[node.consumers[0]];
      const outRank = layer.inboundNodes[0]?.outputTensors[0]?.shape.length ?? 0;
      if (next.className === 'BatchNormalization' && isLastAxisBatchNorm(next.layer, outRank)) {
        map = foldBatchNorm(map, next.layer);
        folded.add(next.id);
      }
    }
    return {
      type: 'linear',
      map,
      activation,
      info: { name: layer.name, className, kind: className === 'Dense' ? 'dense' : 'conv', isFirst: first },
    };
  }
  if (className === 'BatchNormalization' && isLastAxisBatchNorm(layer, rank)) {
    return { type: 'linear', map: affineMapOf(layer), activation: null, info: null };
  }
  if (strict) throw new UnsupportedLayerError(method, layer.name, className, `supported: ${LRP_SUPPORTED}`);
  return { type: 'generic' };
}

function callLayer(method: string, layer: Layer, inputs: tf.Tensor[]): tf.Tensor {
  const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false });
  if (Array.isArray(out)) {
    throw new InputError(`${method}: model`, `one output tensor from layer "${layer.name}"`, `${out.length}`);
  }
  return out as tf.Tensor;
}

/** Evaluates one step forward. */
export function stepForward(plan: Plan, id: number, inputs: tf.Tensor[]): tf.Tensor {
  const step = plan.steps[id];
  const { layer } = plan.graph.nodes[id];
  switch (step.type) {
    case 'input':
      return inputs[0];
    case 'identity':
      return step.forward === 'skip' ? inputs[0] : callLayer(plan.method, layer, inputs);
    case 'linear': {
      const z = step.map.apply(inputs[0], step.map.kernel, step.map.bias);
      return step.activation ? step.activation(z) : z;
    }
    default:
      return callLayer(plan.method, layer, inputs);
  }
}

/**
 * Runs the plan on `x` (inside the caller's tidy) and returns the value of every node; the last one the
 * output node's value, i.e. the logits.
 */
export function runPlan(plan: Plan, x: tf.Tensor): tf.Tensor[] {
  const values: tf.Tensor[] = new Array(plan.graph.nodes.length);
  for (const node of plan.graph.nodes) {
    values[node.id] = stepForward(plan, node.id, node.id === 0 ? [x] : node.inputs.map((i) => values[i]));
  }
  return values;
}

/** The model's logits as a differentiable function of its input, shape [N, C]. */
export function logitsOf(plan: Plan, x: tf.Tensor): tf.Tensor2D {
  const values = runPlan(plan, x);
  const out = values[plan.graph.output];
  if (out.rank !== 2) {
    throw new InputError(`${plan.method}: model`, 'an output of shape [N, classes]', `[${out.shape}]`);
  }
  return out as tf.Tensor2D;
}
