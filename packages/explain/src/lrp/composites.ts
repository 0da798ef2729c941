import { alphaBeta, type Bound, epsilon, flat, gamma, type LrpRule, zBox, zPlus } from './rules.js';

/** What a composite sees of a linear layer when it picks the layer's rule. */
export interface LayerInfo {
  /** The layer's name (`layer.name`). */
  name: string;
  /** The layer's class, e.g. 'Dense', 'Conv2D'. */
  className: string;
  /** 'dense' for Dense, 'conv' for Conv1D/2D/3D and DepthwiseConv2D. */
  kind: 'dense' | 'conv';
  /** True for linear layers that no other linear layer precedes (they see the model input). */
  isFirst: boolean;
}

/** Picks an LRP rule per linear layer (zennit's composites). */
export type Composite = (layer: LayerInfo) => LrpRule;

/** Options shared by the composites. */
export interface CompositeOptions {
  /** Stabilizer of the epsilon rule on Dense layers (default 1e-6). */
  epsilon?: number;
}

/** EpsilonPlus: epsilon for Dense layers, z+ for convolutions. */
export function epsilonPlus(options: CompositeOptions = {}): Composite {
  const eps = epsilon({ epsilon: options.epsilon });
  const zp = zPlus();
  return (l) => (l.kind === 'dense' ? eps : zp);
}

/** EpsilonPlusFlat: flat for the first linear layer, then {@link epsilonPlus}. */
export function epsilonPlusFlat(options: CompositeOptions = {}): Composite {
  const inner = epsilonPlus(options);
  const f = flat();
  return (l) => (l.isFirst ? f : inner(l));
}

/** EpsilonAlpha2Beta1: epsilon for Dense layers, alpha 2 beta 1 for convolutions. */
export function epsilonAlpha2Beta1(options: CompositeOptions = {}): Composite {
  const eps = epsilon({ epsilon: options.epsilon });
  const ab = alphaBeta({ alpha: 2, beta: 1 });
  return (l) => (l.kind === 'dense' ? eps : ab);
}

/** EpsilonAlpha2Beta1Flat: flat for the first linear layer, then {@link epsilonAlpha2Beta1}. */
export function epsilonAlpha2Beta1Flat(options: CompositeOptions = {}): Composite {
  const inner = epsilonAlpha2Beta1(options);
  const f = flat();
  return (l) => (l.isFirst ? f : inner(l));
}

/**
 * EpsilonGammaBox: z^B (with the input bounds `low`, `high`) for the first linear layer, gamma (default 0.25)
 * for the other convolutions, epsilon for Dense layers.
 */
export function epsilonGammaBox(options: CompositeOptions & { low: Bound; high: Bound; gamma?: number }): Composite {
  const box = zBox({ low: options.low, high: options.high });
  const g = gamma({ gamma: options.gamma ?? 0.25 });
  const eps = epsilon({ epsilon: options.epsilon });
  return (l) => (l.isFirst ? box : l.kind === 'dense' ? eps : g);
}

/** All composites, as a namespace: `composites.epsilonGammaBox({ low: 0, high: 1 })`. */
export const composites = {
  epsilonPlus,
  epsilonPlusFlat,
  epsilonAlpha2Beta1,
  epsilonAlpha2Beta1Flat,
  epsilonGammaBox,
};
