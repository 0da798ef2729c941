import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InputError } from '@tiefe/core';
import { UnsupportedLayerError } from '../errors.js';
import { callLayer, runPlan } from '../model/plan.js';
import { type Prepared, withPrepared } from '../model/prepare.js';
import type { Target } from '../model/target.js';
import { type Composite, epsilonPlus } from './composites.js';
import type { LinearMap } from './linearMap.js';
import { type LrpRule, safeDivide } from './rules.js';

/** Options of {@link lrp}. */
export interface LrpOptions {
  /** Class to explain (default 'predicted'). */
  target?: Target;
  /** One rule for every Dense and convolution layer; overrides `composite`. */
  rule?: LrpRule;
  /** Picks a rule per linear layer (default {@link composites.epsilonPlus}: epsilon on Dense, z+ on convolutions). */
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
 * Dense/Conv layers by their rule (see `rules` and `composites`; SeparableConv2D as depthwise then pointwise, a
 * rule each), BatchNormalization folded into the preceding linear layer, max pooling winner-takes-all, average
 * pooling and Add by the z-rule, Flatten/Reshape/Concatenate by routing, activations and dropout unchanged,
 * LSTM/GRU/SimpleRNN per Arras et al. 2017 (with masks and goBackwards), Bidirectional by splitting the merged
 * relevance, TimeDistributed by the wrapped layer's rule per step. Branches that fan out (residual blocks) sum their relevance.
 * With LRP-0 (`rules.zero()`) on a ReLU network without biases the map equals gradient x input and sums to the
 * logit.
 *
 * @returns relevance of x's shape, one map per input in the batch.
 * @throws UnsupportedLayerError naming a layer LRP does not handle, InputError on bad input.
 */
export async function lrp(model: tfl.LayersModel, x: tf.Tensor, options: LrpOptions = {}): Promise<tf.Tensor> {
  return withPrepared('lrp', model, x, options.target, (p) => tf.tidy(() => propagate(p, x, options)), true);
}

/** The rule of part `part` of linear step `id` (null: a lone BatchNormalization); only part 0 can be the first. */
function ruleFor(p: Prepared, id: number, part: number, options: LrpOptions, composite: Composite): LrpRule | null {
  const step = p.plan.steps[id];
  if (step.type !== 'linear' || !step.info) return null;
  const info = part === 0 ? step.info : { ...step.info, isFirst: false };
  const rule = options.layerRules?.[info.name] ?? options.rule ?? composite(info);
  if (!rule) {
    const { name, className, kind } = step.info;
    throw new UnsupportedLayerError(
      'lrp',
      name,
      className,
      `the composite maps no rule to class ${className} or group ${kind}`,
    );
  }
  return rule;
}

/** A `layerRules` key that names no Dense/convolution layer of the model would be silently ignored: refuse it. */
function checkLayerRules(p: Prepared, layerRules: LrpOptions['layerRules']): void {
  if (!layerRules) return;
  const names = p.plan.steps.flatMap((s) => (s.type === 'linear' && s.info ? [s.info.name] : []));
  for (const key of Object.keys(layerRules)) {
    if (!names.includes(key)) {
      const shown = names
        .slice(0, 8)
        .map((n) => `'${n}'`)
        .join(', ');
      throw new InputError(
        'lrp: layerRules',
        `names of the model's Dense/convolution layers (${shown}${names.length > 8 ? ', ...' : ''})`,
        `'${key}'`,
      );
    }
  }
}

/** The relevance of x for the prepared target: R of the output = logits * mask, propagated back node by node. */
function propagate(p: Prepared, x: tf.Tensor, options: LrpOptions): tf.Tensor {
  checkLayerRules(p, options.layerRules);
  const composite = options.composite ?? epsilonPlus();
  const { plan } = p;
  const { nodes, output } = plan.graph;
  const masks: (tf.Tensor | null)[] = [];
  const values = runPlan(plan, x, { masks });
  const relevance: (tf.Tensor | undefined)[] = new Array(nodes.length);
  relevance[output] = tf.mul(values[output], p.mask);
  for (let id = nodes.length - 1; id > 0; id--) {
    const r = relevance[id];
    if (!r) continue; // a branch that does not reach the output
    const node = nodes[id];
    const inputs = node.inputs.map((i) => values[i]);
    const step = plan.steps[id];
    let rIn: tf.Tensor[];
    switch (step.type) {
      case 'skip':
      case 'activation':
      case 'passThrough':
        rIn = [r];
        break;
      case 'route':
        rIn = tf.grads((...xs: tf.Tensor[]) => callLayer('lrp', node.layer, xs))(inputs, r);
        break;
      case 'zRule': {
        const f = step.linearize;
        const fn = (...xs: tf.Tensor[]) => (f ? f(node.layer, xs) : callLayer('lrp', node.layer, xs));
        const s = safeDivide(r, fn(...inputs));
        const g = tf.grads(fn)(inputs, s);
        rIn = inputs.map((xi, k) => tf.mul(xi, g[k]));
        break;
      }
      case 'linear': {
        // The maps' inputs (one map, or depthwise then pointwise), then each map's rule from the last back.
        const ins = [inputs[0]];
        for (const m of step.maps.slice(0, -1)) ins.push(m.apply(ins[ins.length - 1], m.kernel, m.bias));
        let rk = r;
        for (let k = step.maps.length - 1; k >= 0; k--) {
          const rule = ruleFor(p, id, k, options, composite);
          rk = rule ? rule.relevance(step.maps[k], ins[k], rk) : affineEpsilon(step.maps[k], ins[k], rk);
        }
        rIn = [rk];
        break;
      }
      case 'custom':
        rIn = step.relevance('lrp', node.layer, inputs, values[id], r, masks[node.inputs[0]] ?? null);
        break;
      case 'embedding':
        // Embeddings: a token's relevance is the sum over its vector (Arras et al. 2017).
        rIn = [tf.sum(r, -1)];
        break;
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

/** A BatchNormalization that follows no linear layer: epsilon rule on the elementwise affine map. */
function affineEpsilon(map: LinearMap, x: tf.Tensor, r: tf.Tensor): tf.Tensor {
  const z = map.apply(x, map.kernel, map.bias);
  const eps = tf.mul(tf.where(tf.greaterEqual(z, 0), tf.onesLike(z), tf.neg(tf.onesLike(z))), 1e-6);
  return tf.mul(tf.mul(x, map.kernel), safeDivide(r, tf.add(z, eps)));
}
