import { describeValue, InputError } from '@tiefe/core';
import { alphaBeta, type Bound, epsilon, flat, gamma, type LrpRule, zBox, zPlus } from './rules.js';

/** What a composite sees of a linear layer when it picks the layer's rule. */
export interface LayerInfo {
  /** The layer's name (`layer.name`). */
  name: string;
  /** The layer's class, e.g. 'Dense', 'Conv2D'. */
  className: string;
  /**
   * The layer's group: 'dense' for Dense, 'conv' for Conv1D/2D/3D, DepthwiseConv2D and Conv2D/3DTranspose; a layer
   * registered with `registerLrpLayer` has the group it was registered with (default: its class name).
   */
  kind: 'dense' | 'conv' | (string & {});
  /** True for linear layers that no other linear layer precedes (they see the model input). */
  isFirst: boolean;
}

/**
 * Picks an LRP rule per linear layer (zennit's composites); returning undefined leaves the layer without a rule,
 * which {@link lrp} reports as an unsupported layer.
 */
export type Composite = (layer: LayerInfo) => LrpRule | undefined;

/** Options of {@link composites.layerMap}. */
export interface LayerMapOptions {
  /**
   * Pairs [classes or groups, rule], first match wins (zennit's `layer_map`): e.g.
   * `[[['conv'], rules.zPlus()], [['Dense'], rules.epsilon()]]`; an entry matches a layer's class name
   * (`'Conv2DTranspose'`) or its group (`'conv'`, `'dense'`, or the group of a registered custom layer).
   */
  map: Array<[string[], LrpRule]>;
  /** Rule of the first linear layer (the one that sees the input), as zennit's `SpecialFirstLayerMapComposite`. */
  first?: LrpRule;
}

/** A composite from a layer map: the rule of the first entry that names the layer's class or group. */
export function layerMap(options: LayerMapOptions): Composite {
  const entries = options?.map;
  if (!Array.isArray(entries) || entries.some((e) => !Array.isArray(e) || !Array.isArray(e[0]) || !e[1]?.relevance)) {
    throw new InputError(
      'composites.layerMap: map',
      'an array of [class or group names, rule] pairs',
      describeValue(entries),
    );
  }
  return (l) => {
    if (l.isFirst && options.first) return options.first;
    return entries.find(([names]) => names.includes(l.className) || names.includes(l.kind))?.[1];
  };
}

/** Options shared by the composites. */
export interface CompositeOptions {
  /** Stabilizer of the epsilon rule on Dense layers (default 1e-6). */
  epsilon?: number;
}

/** EpsilonPlus: epsilon for Dense layers, z+ for convolutions. */
export function epsilonPlus(options: CompositeOptions = {}): Composite {
  return layerMap({
    map: [
      [['dense'], epsilon({ epsilon: options.epsilon })],
      [['conv'], zPlus()],
    ],
  });
}

/** EpsilonPlusFlat: flat for the first linear layer, then {@link composites.epsilonPlus}. */
export function epsilonPlusFlat(options: CompositeOptions = {}): Composite {
  return layerMap({
    map: [
      [['dense'], epsilon({ epsilon: options.epsilon })],
      [['conv'], zPlus()],
    ],
    first: flat(),
  });
}

/** EpsilonAlpha2Beta1: epsilon for Dense layers, alpha 2 beta 1 for convolutions. */
export function epsilonAlpha2Beta1(options: CompositeOptions = {}): Composite {
  return layerMap({
    map: [
      [['dense'], epsilon({ epsilon: options.epsilon })],
      [['conv'], alphaBeta({ alpha: 2, beta: 1 })],
    ],
  });
}

/** EpsilonAlpha2Beta1Flat: flat for the first linear layer, then {@link epsilonAlpha2Beta1}. */
export function epsilonAlpha2Beta1Flat(options: CompositeOptions = {}): Composite {
  const map: LayerMapOptions['map'] = [
    [['dense'], epsilon({ epsilon: options.epsilon })],
    [['conv'], alphaBeta({ alpha: 2, beta: 1 })],
  ];
  return layerMap({ map, first: flat() });
}

/**
 * EpsilonGammaBox: z^B (with the input bounds `low`, `high`) for the first linear layer, gamma (default 0.25)
 * for the other convolutions, epsilon for Dense layers.
 */
export function epsilonGammaBox(options: CompositeOptions & { low: Bound; high: Bound; gamma?: number }): Composite {
  const map: LayerMapOptions['map'] = [
    [['dense'], epsilon({ epsilon: options.epsilon })],
    [['conv'], gamma({ gamma: options.gamma ?? 0.25 })],
  ];
  return layerMap({ map, first: zBox({ low: options.low, high: options.high }) });
}

/** All composites, as a namespace: `composites.epsilonGammaBox({ low: 0, high: 1 })`. */
export const composites = {
  layerMap,
  epsilonPlus,
  epsilonPlusFlat,
  epsilonAlpha2Beta1,
  epsilonAlpha2Beta1Flat,
  epsilonGammaBox,
};
