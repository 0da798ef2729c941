import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';
import { UnsupportedLayerError } from '../errors.js';
import type { LayerInfo } from '../lrp/composites.js';
import { affineMapOf, foldBatchNorm, isLastAxisBatchNorm, type LinearMap } from '../lrp/linearMap.js';
import { type GraphNode, type Layer, type ModelGraph, parseGraph } from './graph.js';
import { ACTIVATION_LAYERS, type CustomRelevance, layerRuleOf, lrpSupported } from './layers.js';

/** An elementwise nonlinearity as the plan evaluates it: its name (`'relu'`, `'tanh'`) and the function. */
export interface Activation {
  name: string;
  fn: (z: tf.Tensor) => tf.Tensor;
}

/**
 * How each layer call is evaluated forward and how LRP passes relevance through it (see {@link LayerRule}):
 * - `input`: the model input; `skip`: the value passes (InputLayer, a folded BatchNormalization, a stripped
 *   final softmax or sigmoid).
 * - `activation`: an elementwise activation layer; `passThrough`: dropout, noise, masking.
 * - `route`, `zRule`: see {@link LayerRule}.
 * - `linear`: Dense, convolutions (a following BatchNormalization folded in), a user-registered linear layer,
 *   or a BatchNormalization on its own (elementwise affine, `info` null: LRP uses epsilon on it).
 * - `embedding`: an Embedding layer on the model input: relevance of a token = its vector's relevance summed.
 * - `generic`: any other layer, forward only (gradient methods); LRP rejects it.
 */
export type Step =
  | { type: 'input' }
  | { type: 'skip' }
  | { type: 'activation'; activation: Activation }
  | { type: 'passThrough' }
  | { type: 'route' }
  | { type: 'zRule'; linearize?: (layer: Layer, inputs: tf.Tensor[]) => tf.Tensor }
  | { type: 'linear'; map: LinearMap; activation: Activation | null; info: LayerInfo | null }
  | { type: 'embedding' }
  | { type: 'custom'; relevance: CustomRelevance }
  | { type: 'generic' };

/** The forward plan of a model: its graph and one step per node. Built once per public call; dispose it. */
export interface Plan {
  graph: ModelGraph;
  steps: Step[];
  /** The public function the plan serves (`'lrp'`, `'saliency'`), for error names. */
  method: string;
  /** Frees the tensors the plan made (folded kernels); the model's own weights stay. */
  dispose(): void;
}

/**
 * Replaces the elementwise nonlinearities of a forward pass (guided backprop, DeepLIFT): called with the
 * activation's name, its input z and the activation itself; returns the value to use.
 */
export type NonlinearityHook = (name: string, z: tf.Tensor, fn: (t: tf.Tensor) => tf.Tensor) => tf.Tensor;

/** Options of {@link runPlan}. */
export interface RunOptions {
  nonlinearity?: NonlinearityHook;
  /** Use `value` as the output of node `id` instead of computing it (gradients at a hidden layer, Grad-CAM). */
  replace?: { id: number; value: tf.Tensor };
}

const OUTPUT_SQUASH = new Set(['softmax', 'sigmoid']);

interface ActivationLike {
  activation?: { apply(t: tf.Tensor): tf.Tensor; getClassName(): string };
}

function activationName(layer: Layer): string {
  const a = (layer as unknown as ActivationLike).activation;
  return a ? a.getClassName().toLowerCase() : 'linear';
}

/**
 * Builds the evaluation plan of `model` for the public function `method`. With `strict` (LRP), every layer must
 * be one LRP understands (see `registerLrpLayer`), else an {@link UnsupportedLayerError} names it; without
 * (gradient methods), other layers run through `layer.apply`. A final softmax or sigmoid (the output layer's
 * activation, an Activation layer or a Softmax layer) is stripped, so the plan computes the logits.
 */
export function buildPlan(model: tfl.LayersModel, method: string, strict: boolean): Plan {
  const graph = parseGraph(model, method);
  const steps: Step[] = new Array(graph.nodes.length);
  const owned: tf.Tensor[] = [];
  tf.tidy(() => {
    const folded = new Set<number>();
    const linearBefore: boolean[] = new Array(graph.nodes.length).fill(false);
    for (const node of graph.nodes) {
      linearBefore[node.id] = node.inputs.some((i) => linearBefore[i] || steps[i]?.type === 'linear');
      steps[node.id] = stepOf(node, graph, method, strict, folded, !linearBefore[node.id]);
    }
    // Keep the tensors the plan computed (folded kernels) beyond this tidy; the model's variables are not ours.
    for (const s of steps) {
      if (s.type !== 'linear') continue;
      for (const t of [s.map.kernel, s.map.bias]) {
        if (t && !(t instanceof tf.Variable) && !owned.includes(t)) owned.push(tf.keep(t));
      }
    }
  });
  return { graph, steps, method, dispose: () => tf.dispose(owned) };
}

function stepOf(
  node: GraphNode,
  graph: ModelGraph,
  method: string,
  strict: boolean,
  folded: Set<number>,
  first: boolean,
): Step {
  const { layer, className } = node;
  const isOutput = node.id === graph.output;
  const act = activationName(layer);
  if (node.id === 0) return { type: 'input' };
  if (className === 'InputLayer' || folded.has(node.id)) return { type: 'skip' };
  if (className === 'Softmax' || (className === 'Activation' && act === 'softmax')) {
    if (isOutput) return { type: 'skip' };
    if (strict)
      throw new UnsupportedLayerError(method, layer.name, className, 'softmax is only supported as the output');
    return { type: 'generic' };
  }
  if (className === 'Activation' && act === 'sigmoid' && isOutput) return { type: 'skip' };
  const rule = layerRuleOf(className);
  if (ACTIVATION_LAYERS.has(className)) {
    const name = className === 'Activation' ? act : className === 'ReLU' ? 'relu' : className.toLowerCase();
    return { type: 'activation', activation: { name, fn: (z) => callLayer(method, layer, [z]) } };
  }
  if (rule?.type === 'passThrough') return { type: 'passThrough' };
  if (rule?.type === 'route') return { type: 'route' };
  if (rule?.type === 'zRule') return { type: 'zRule', linearize: rule.linearize };
  if (rule?.type === 'custom') return { type: 'custom', relevance: rule.relevance };
  if (rule?.type === 'linear') {
    let map = rule.linearMap(layer);
    let activation: Activation | null = {
      name: act,
      fn: (z) => (layer as unknown as ActivationLike).activation!.apply(z),
    };
    if (act === 'linear' || (isOutput && OUTPUT_SQUASH.has(act))) activation = null;
    else if (act === 'softmax') {
      if (strict)
        throw new UnsupportedLayerError(method, layer.name, className, 'softmax is only supported as the output');
      return { type: 'generic' };
    }
    // Fold a BatchNormalization that is this layer's only consumer (standard conv-BN-ReLU blocks).
    if (act === 'linear' && node.consumers.length === 1 && map.kind !== 'affine') {
      const next = graph.nodes[node.consumers[0]];
      const outRank = layer.inboundNodes[0]?.outputTensors[0]?.shape.length ?? 0;
      if (next.className === 'BatchNormalization' && isLastAxisBatchNorm(next.layer, outRank)) {
        map = foldBatchNorm(map, next.layer);
        folded.add(next.id);
      }
    }
    const info = { name: layer.name, className, kind: rule.group ?? className, isFirst: first };
    return { type: 'linear', map, activation, info };
  }
  const rank = (layer.inboundNodes[0]?.inputTensors[0]?.shape.length ?? 0) as number;
  if (className === 'BatchNormalization' && isLastAxisBatchNorm(layer, rank)) {
    return { type: 'linear', map: affineMapOf(layer), activation: null, info: null };
  }
  if (className === 'Embedding') {
    if (node.inputs[0] === 0) return { type: 'embedding' };
    if (strict)
      throw new UnsupportedLayerError(method, layer.name, className, 'an Embedding must take the model input');
  }
  if (strict) throw new UnsupportedLayerError(method, layer.name, className, `supported: ${lrpSupported()}`);
  return { type: 'generic' };
}

/** Calls a layer in inference mode and checks that it returns one tensor. */
export function callLayer(method: string, layer: Layer, inputs: tf.Tensor[]): tf.Tensor {
  const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false });
  if (Array.isArray(out)) {
    throw new InputError(`${method}: model`, `one output tensor from layer "${layer.name}"`, `${out.length}`);
  }
  return out as tf.Tensor;
}

function applyActivation(a: Activation, z: tf.Tensor, hook: NonlinearityHook | undefined): tf.Tensor {
  return hook ? hook(a.name, z, a.fn) : a.fn(z);
}

/** Evaluates one step forward. */
export function stepForward(plan: Plan, id: number, inputs: tf.Tensor[], hook?: NonlinearityHook): tf.Tensor {
  const step = plan.steps[id];
  const { layer } = plan.graph.nodes[id];
  switch (step.type) {
    case 'input':
    case 'skip':
      return inputs[0];
    case 'activation':
      return applyActivation(step.activation, inputs[0], hook);
    case 'linear': {
      const z = step.map.apply(inputs[0], step.map.kernel, step.map.bias);
      return step.activation ? applyActivation(step.activation, z, hook) : z;
    }
    default:
      return callLayer(plan.method, layer, inputs);
  }
}

/**
 * Runs the plan on `x` (inside the caller's tidy) and returns the value of every node; the output node's value
 * ({@link ModelGraph.output}) is the logits.
 */
export function runPlan(plan: Plan, x: tf.Tensor, options: RunOptions = {}): tf.Tensor[] {
  const values: tf.Tensor[] = new Array(plan.graph.nodes.length);
  for (const node of plan.graph.nodes) {
    if (options.replace?.id === node.id) values[node.id] = options.replace.value;
    else {
      const ins = node.id === 0 ? [x] : node.inputs.map((i) => values[i]);
      values[node.id] = stepForward(plan, node.id, ins, options.nonlinearity);
    }
  }
  return values;
}

/** The model's logits (pre-softmax output) as a differentiable function of its input. */
export function logitsOf(plan: Plan, x: tf.Tensor, options: RunOptions = {}): tf.Tensor {
  return runPlan(plan, x, options)[plan.graph.output];
}
