import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { targetClasses } from '../gradients.js';
import { buildPlan, type Plan, runPlan } from '../plan.js';
import { type Target, targetMask } from '../target.js';
import { checkInput } from '../validate.js';
import { type Composite, epsilonPlus } from './composites.js';
import type { LinearMap } from './linearMap.js';
import { type LrpRule, safeDivide } from './rules.js';

/** Options of {@link lrp}. */
export interface LrpOptions {
  /** Class to explain (default 'predicted'). */
  target?: Target;
  /** One rule for every Dense and convolution layer; overrides `composite`. */
  rule?: LrpRule;
  /** Picks a rule per linear layer (default {@link epsilonPlus}: epsilon on Dense, z+ on convolutions). */
  composite?: Composite;
  /** Rules for single layers by layer name; override `rule` and `composite`. */
  layerRules?: Record<string, LrpRule>;
}

/**
 * Layer-wise Relevance Propagation (Bach et al. 2015; Montavon et al. 2019) of a tfjs-layers model.
 *
 * The relevance of the output layer is the target's logit (R_c = z_c, 0 for the other classes; a final softmax
 * or sigmoid is not part of the explanation, so the pre-softmax logit is explained) and it is propagated to the
 * input layer by layer through the model's graph in reverse:
 * Dense/Conv layers by their rule (see `rules` and `composites`), BatchNormalization folded into the preceding
 * linear layer, max pooling winner-takes-all, average pooling and Add by the z-rule, Flatten/Reshape/Concatenate
 * by routing, activations and dropout unchanged. Branches that fan out (residual blocks) sum their relevance.
 * With LRP-0 (`rules.zero()`) on a ReLU network without biases the map equals gradient x input and sums to the
 * logit.
 *
 * @returns relevance of x's shape, one map per input in the batch.
 * @throws UnsupportedLayerError naming a layer LRP does not handle, InputError on bad input.
 */
export async function lrp(model: tfl.LayersModel, x: tf.Tensor, options: LrpOptions = {}): Promise<tf.Tensor> {
  checkInput('lrp', model, x);
  buildPlanChecked(model);
  const classes = await targetClasses('lrp', model, x, options.target);
  return tf.tidy(() => propagate(buildPlan(model, 'lrp', true), x, classes, options));
}

/** Builds (and drops) the LRP plan once so that an unsupported layer fails before any work. */
function buildPlanChecked(model: tfl.LayersModel): void {
  tf.tidy(() => {
    buildPlan(model, 'lrp', true);
  });
}

function ruleFor(plan: Plan, id: number, options: LrpOptions, composite: Composite): LrpRule | null {
  const step = plan.steps[id];
  if (step.type !== 'linear' || !step.info) return null;
  return options.layerRules?.[step.info.name] ?? options.rule ?? composite(step.info);
}

function propagate(plan: Plan, x: tf.Tensor, classes: number[], options: LrpOptions): tf.Tensor {
  const composite = options.composite ?? epsilonPlus();
  const { nodes, output } = plan.graph;
  const values = runPlan(plan, x);
  const logits = values[output] as tf.Tensor2D;
  const relevance: (tf.Tensor | undefined)[] = new Array(nodes.length);
  relevance[output] = tf.mul(logits, targetMask(classes, logits.shape[1]));
  for (let id = nodes.length - 1; id > 0; id--) {
    const r = relevance[id];
    if (!r) continue; // a branch that does not reach the output
    const node = nodes[id];
    const inputs = node.inputs.map((i) => values[i]);
    const step = plan.steps[id];
    let rIn: tf.Tensor[];
    switch (step.type) {
      case 'identity':
        rIn = [r];
        break;
      case 'route':
        rIn = routeRelevance(node.layer, inputs, r);
        break;
      case 'zrule': {
        const z = values[id];
        const s = safeDivide(r, z);
        const g = tf.grads((...xs: tf.Tensor[]) => callLayer(node.layer, xs))(inputs, s);
        rIn = inputs.map((xi, k) => tf.mul(xi, g[k]));
        break;
      }
      case 'linear': {
        const rule = ruleFor(plan, id, options, composite);
        rIn = [rule ? rule.relevance(step.map, inputs[0], r) : affineEpsilon(step.map, inputs[0], r)];
        break;
      }
      default:
        throw new Error(`lrp: unexpected step ${step.type} for layer ${node.layer.name}`);
    }
    node.inputs.forEach((i, k) => {
      const prev = relevance[i];
      relevance[i] = prev ? tf.add(prev, rIn[k]) : rIn[k];
    });
  }
  return relevance[0] ?? tf.zerosLike(x);
}

function callLayer(layer: Plan['graph']['nodes'][number]['layer'], xs: tf.Tensor[]): tf.Tensor {
  return layer.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor;
}

function routeRelevance(
  layer: Plan['graph']['nodes'][number]['layer'],
  inputs: tf.Tensor[],
  r: tf.Tensor,
): tf.Tensor[] {
  return tf.grads((...xs: tf.Tensor[]) => callLayer(layer, xs))(inputs, r);
}

/** A BatchNormalization that follows no linear layer: epsilon rule on the elementwise affine map. */
function affineEpsilon(map: LinearMap, x: tf.Tensor, r: tf.Tensor): tf.Tensor {
  const z = map.apply(x, map.kernel, map.bias);
  const eps = tf.mul(tf.where(tf.greaterEqual(z, 0), tf.onesLike(z), tf.neg(tf.onesLike(z))), 1e-6);
  return tf.mul(tf.mul(x, map.kernel), safeDivide(r, tf.add(z, eps)));
}
