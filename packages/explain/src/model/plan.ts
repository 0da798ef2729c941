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
 *   or a BatchNormalization on its own (elementwise affine, `info` null: LRP uses epsilon on it); `maps` are
 *   applied in order (two for SeparableConv2D, one otherwise).
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
  | { type: 'linear'; maps: LinearMap[]; activation: Activation | null; info: LayerInfo | null }
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
  /** Filled with each node's output mask (tfjs-layers masking: Embedding maskZero, Masking), null where none. */
  masks?: (tf.Tensor | null)[];
}

interface MaskingLike {
  computeMask(inputs: tf.Tensor | tf.Tensor[], mask?: tf.Tensor | (tf.Tensor | null)[] | null): tf.Tensor | null;
}

/**
 * The output mask of a layer call as tfjs-layers' graph executor computes it (`layer.computeMask(inputs, masks)`;
 * masks start at Embedding with maskZero and Masking). Masks are comparisons, which have no gradient in tfjs, so
 * the mask is made a constant of the input (zero gradient) for the gradient methods.
 */
function outputMask(node: GraphNode, inputs: tf.Tensor[], masks: (tf.Tensor | null)[]): tf.Tensor | null {
  const l = node.layer as unknown as MaskingLike;
  if (masks.every((m) => !m) && node.className !== 'Embedding' && node.className !== 'Masking') return null;
  let none = false;
  const mask = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const v = args[0] as tf.Tensor;
    const m = l.computeMask(inputs.length === 1 ? inputs[0] : inputs, masks.length === 1 ? masks[0] : masks);
    none = m == null;
    // Kept bool, tfjs's mask dtype: its RNNs cast masks to bool, and float -> bool casts are broken on webgpu.
    return { value: m ?? tf.zeros([1]), gradFunc: () => tf.zerosLike(v) };
  })(inputs[0]);
  return none ? null : mask;
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
      for (const t of s.maps.flatMap((m) => [m.kernel, m.bias])) {
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
  if (className === 'TimeDistributed') return timeDistributedStep(node, graph, method, strict, folded, first);
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
    const made = rule.linearMap(layer);
    const maps = Array.isArray(made) ? [...made] : [made];
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
    const last = maps.length - 1;
    if (act === 'linear' && node.consumers.length === 1 && maps[last].kind !== 'affine') {
      const next = graph.nodes[node.consumers[0]];
      const outRank = layer.inboundNodes[0]?.outputTensors[0]?.shape.length ?? 0;
      if (next.className === 'BatchNormalization' && isLastAxisBatchNorm(next.layer, outRank)) {
        maps[last] = foldBatchNorm(maps[last], next.layer);
        folded.add(next.id);
      }
    }
    const info = { name: layer.name, className, kind: rule.group ?? className, isFirst: first };
    return { type: 'linear', maps, activation, info };
  }
  const rank = (layer.inboundNodes[0]?.inputTensors[0]?.shape.length ?? 0) as number;
  if (className === 'BatchNormalization' && isLastAxisBatchNorm(layer, rank)) {
    return { type: 'linear', maps: [affineMapOf(layer)], activation: null, info: null };
  }
  if (className === 'Embedding') {
    if (node.inputs[0] === 0) return { type: 'embedding' };
    if (strict)
      throw new UnsupportedLayerError(method, layer.name, className, 'an Embedding must take the model input');
  }
  if (strict) throw new UnsupportedLayerError(method, layer.name, className, `supported: ${lrpSupported()}`);
  return { type: 'generic' };
}

/** [N, T, ...rest] -> [N T, ...rest]: the batch TimeDistributed hands to its layer. */
const mergeTime = (x: tf.Tensor) => tf.reshape(x, [x.shape[0] * (x.shape[1] as number), ...x.shape.slice(2)]);
/** [N T, ...rest] -> [N, T, ...rest], with N and T of `like`. */
const splitTime = (y: tf.Tensor, like: tf.Tensor) =>
  tf.reshape(y, [like.shape[0], like.shape[1] as number, ...y.shape.slice(1)]);

/**
 * A TimeDistributed layer gets the step of the layer it wraps, applied to every time step: linear maps and custom
 * rules run on the steps folded into the batch ([N, T, ...] -> [N T, ...]); routing, z-rule, elementwise and
 * embedding steps work on the wrapper's own call as they are. Rules by layer name use the wrapper's name.
 */
function timeDistributedStep(
  node: GraphNode,
  graph: ModelGraph,
  method: string,
  strict: boolean,
  folded: Set<number>,
  first: boolean,
): Step {
  const inner = (node.layer as unknown as { layer: Layer }).layer;
  const step = stepOf({ ...node, layer: inner, className: inner.getClassName() }, graph, method, strict, folded, first);
  switch (step.type) {
    case 'linear': {
      const maps = step.maps.map(
        (m): LinearMap => ({ ...m, apply: (x, k, b) => splitTime(m.apply(mergeTime(x), k, b), x) }),
      );
      return { ...step, maps, info: step.info && { ...step.info, name: node.layer.name } };
    }
    case 'zRule': {
      const f = step.linearize;
      return f ? { type: 'zRule', linearize: (_l, [x]) => splitTime(f(inner, [mergeTime(x)]), x) } : step;
    }
    case 'custom': {
      const rel = step.relevance;
      return {
        type: 'custom',
        relevance: (m, _l, [x], y, r) =>
          rel(m, inner, [mergeTime(x)], mergeTime(y), mergeTime(r), null).map((t) => splitTime(t, x)),
      };
    }
    default:
      return step;
  }
}

/** Calls a layer in inference mode (with the mask of its input, if any) and checks that it returns one tensor. */
export function callLayer(method: string, layer: Layer, inputs: tf.Tensor[], mask?: tf.Tensor | null): tf.Tensor {
  const out = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false, ...(mask ? { mask } : {}) });
  if (Array.isArray(out)) {
    throw new InputError(`${method}: model`, `one output tensor from layer "${layer.name}"`, `${out.length}`);
  }
  return out as tf.Tensor;
}

function applyActivation(a: Activation, z: tf.Tensor, hook: NonlinearityHook | undefined): tf.Tensor {
  return hook ? hook(a.name, z, a.fn) : a.fn(z);
}

/** Evaluates one step forward; `mask` is the mask of the step's (first) input. */
export function stepForward(
  plan: Plan,
  id: number,
  inputs: tf.Tensor[],
  hook?: NonlinearityHook,
  mask?: tf.Tensor | null,
): tf.Tensor {
  const step = plan.steps[id];
  const { layer } = plan.graph.nodes[id];
  switch (step.type) {
    case 'input':
    case 'skip':
      return inputs[0];
    case 'activation':
      return applyActivation(step.activation, inputs[0], hook);
    case 'linear': {
      const z = step.maps.reduce((v, m) => m.apply(v, m.kernel, m.bias), inputs[0]);
      return step.activation ? applyActivation(step.activation, z, hook) : z;
    }
    default:
      return callLayer(plan.method, layer, inputs, mask);
  }
}

/**
 * Runs the plan on `x` (inside the caller's tidy) and returns the value of every node; the output node's value
 * ({@link ModelGraph.output}) is the logits.
 */
export function runPlan(plan: Plan, x: tf.Tensor, options: RunOptions = {}): tf.Tensor[] {
  const values: tf.Tensor[] = new Array(plan.graph.nodes.length);
  const masks = options.masks ?? [];
  masks.length = plan.graph.nodes.length;
  for (const node of plan.graph.nodes) {
    const ins = node.id === 0 ? [x] : node.inputs.map((i) => values[i]);
    const inMasks = node.inputs.map((i) => masks[i] ?? null);
    masks[node.id] = node.id === 0 ? null : outputMask(node, ins, inMasks);
    if (options.replace?.id === node.id) values[node.id] = options.replace.value;
    else if (node.className === 'Masking') {
      // Masking zeroes the masked steps with its own mask, a comparison: use the gradient-free copy.
      values[node.id] = tf.mul(ins[0], tf.cast(tf.expandDims(masks[node.id] as tf.Tensor, -1), ins[0].dtype));
    } else values[node.id] = stepForward(plan, node.id, ins, options.nonlinearity, inMasks.find((m) => m) ?? null);
  }
  return values;
}

/** The model's logits (pre-softmax output) as a differentiable function of its input. */
export function logitsOf(plan: Plan, x: tf.Tensor, options: RunOptions = {}): tf.Tensor {
  return runPlan(plan, x, options)[plan.graph.output];
}
