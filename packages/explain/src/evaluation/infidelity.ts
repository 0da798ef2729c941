import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInt, checkNumber, createRng, InputError } from '@tiefe/core';
import type { TargetOptions } from '../gradients.js';
import { checkInput, prepare } from '../model/prepare.js';
import { scoreBatches, scoreInputs } from '../model/score.js';
import type { Explainer } from './randomisation.js';

/** Options of {@link infidelity}. */
export interface InfidelityOptions extends TargetOptions {
  /** Perturbations I per input (default 50). */
  samples?: number;
  /** Standard deviation of the Gaussian perturbations I ~ N(0, noise^2) (default 0.1). */
  noise?: number;
  /** Scale the map by its optimal factor beta = E[I.phi d] / E[(I.phi)^2] first (Yeh et al.'s normalised infidelity; default false). */
  normalize?: boolean;
  /** Seed of the perturbations (default 0). */
  seed?: number;
  /** Perturbed inputs per forward pass (default 256). */
  batchSize?: number;
}

/**
 * Infidelity (Yeh et al. 2019): INFD(phi, f, x) = E_I[(I . phi(x) - (f(x) - f(x - I)))^2] with Gaussian
 * perturbations I, f the target's logit; lower is better (0 for the gradient of a linear model).
 */
export async function infidelity(
  model: tfl.LayersModel,
  x: tf.Tensor,
  relevance: tf.Tensor,
  options: InfidelityOptions = {},
): Promise<{ infidelity: number; perInput: number[] }> {
  const fn = 'infidelity';
  checkInput(fn, model, x);
  if (!(relevance instanceof tf.Tensor) || relevance.shape.join() !== x.shape.join()) {
    const got = relevance instanceof tf.Tensor ? `[${relevance.shape}]` : String(relevance);
    throw new InputError(`${fn}: relevance`, `a tensor of shape [${x.shape}]`, got);
  }
  const samples = checkInt(`${fn}: samples`, options.samples ?? 50);
  const sigma = checkNumber(`${fn}: noise`, options.noise ?? 0.1, 0);
  const normalize = checkBoolean(`${fn}: normalize`, options.normalize ?? false);
  const batchSize = checkInt(`${fn}: batchSize`, options.batchSize ?? 256);
  const rng = createRng(checkNumber(`${fn}: seed`, options.seed ?? 0));
  const n = x.shape[0];
  const per = x.size / n;
  const data = (await x.data()) as Float32Array;
  const phi = (await relevance.data()) as Float32Array;
  const noise = new Float32Array(n * samples * per);
  for (let i = 0; i < noise.length; i++) noise[i] = sigma * rng.normal();
  const p = await prepare(fn, model, x, options.target);
  let base: Float32Array;
  let scores: Float32Array;
  try {
    base = await scoreInputs(p, x, data, 'logit', batchSize);
    scores = await scoreBatches(
      p,
      x.shape.slice(1),
      n * samples,
      (i) => Math.floor(i / samples),
      (i, buf, o) => {
        const img = Math.floor(i / samples);
        for (let k = 0; k < per; k++) buf[o + k] = data[img * per + k] - noise[i * per + k];
      },
      'logit',
      batchSize,
    );
  } finally {
    p.dispose();
  }
  const perInput: number[] = [];
  for (let img = 0; img < n; img++) {
    const dots: number[] = [];
    const diffs: number[] = [];
    for (let s = 0; s < samples; s++) {
      const i = img * samples + s;
      let dot = 0;
      for (let k = 0; k < per; k++) dot += noise[i * per + k] * phi[img * per + k];
      dots.push(dot);
      diffs.push(base[img] - scores[i]);
    }
    let beta = 1;
    if (normalize) {
      const num = dots.reduce((s, d, k) => s + d * diffs[k], 0);
      const den = dots.reduce((s, d) => s + d * d, 0);
      beta = den > 0 ? num / den : 1;
    }
    perInput.push(dots.reduce((s, d, k) => s + (beta * d - diffs[k]) ** 2, 0) / samples);
  }
  return { infidelity: perInput.reduce((s, v) => s + v, 0) / n, perInput };
}

/** Options of {@link sensitivity}. */
export interface SensitivityOptions {
  /** Perturbations uniform in [-radius, radius] per element (default 0.02, captum's default). */
  radius?: number;
  /** Perturbed batches (default 10). */
  samples?: number;
  /** Seed (default 0). */
  seed?: number;
}

/**
 * Max-sensitivity (Yeh et al. 2019, as captum's `sensitivity_max`): max over perturbations y = x + u,
 * u ~ U[-radius, radius], of ||phi(y) - phi(x)|| / ||phi(x)||; lower is more robust. `explain` is called on the
 * whole perturbed batch, so fix its target (`(m, v) => saliency(m, v, { target })`).
 */
export async function sensitivity(
  model: tfl.LayersModel,
  x: tf.Tensor,
  explain: Explainer,
  options: SensitivityOptions = {},
): Promise<{ sensitivity: number; perInput: number[] }> {
  const fn = 'sensitivity';
  checkInput(fn, model, x);
  if (typeof explain !== 'function')
    throw new InputError(`${fn}: explain`, 'a function (model, x) => Promise<tf.Tensor>', String(explain));
  const radius = checkNumber(`${fn}: radius`, options.radius ?? 0.02, 0);
  const samples = checkInt(`${fn}: samples`, options.samples ?? 10);
  const rng = createRng(checkNumber(`${fn}: seed`, options.seed ?? 0));
  const n = x.shape[0];
  const per = x.size / n;
  const first = await explain(model, x);
  const phi = (await first.data()) as Float32Array;
  first.dispose();
  const norms = Array.from({ length: n }, (_, i) =>
    Math.sqrt(phi.subarray(i * per, (i + 1) * per).reduce((s, v) => s + v * v, 0)),
  );
  const perInput = new Array(n).fill(0);
  for (let s = 0; s < samples; s++) {
    const u = Float32Array.from({ length: x.size }, () => radius * (2 * rng.next() - 1));
    const y = tf.tidy(() => tf.add(x, tf.tensor(u, x.shape)));
    const map = await explain(model, y).finally(() => y.dispose());
    const d = (await map.data()) as Float32Array;
    map.dispose();
    for (let i = 0; i < n; i++) {
      let sq = 0;
      for (let k = i * per; k < (i + 1) * per; k++) sq += (d[k] - phi[k]) ** 2;
      perInput[i] = Math.max(perInput[i], Math.sqrt(sq) / (norms[i] || 1));
    }
  }
  return { sensitivity: perInput.reduce((s, v) => s + v, 0) / n, perInput };
}
