import * as tf from '@tensorflow/tfjs-core';
import { checkInt, checkNumber, checkOptions, createRng, InputError, type Rng } from '@tiefe/core';
import type { StreamingModel } from './streaming.js';

/** How the next token is drawn from a model's predicted distribution. */
export interface SamplingOptions {
  /**
   * Temperature T: the distribution becomes `p_i^(1/T) / sum_j p_j^(1/T)` (softmax of logits / T). 1 (default)
   * keeps it, below 1 sharpens, above 1 flattens; 0 is greedy (always the most probable token).
   */
  temperature?: number;
  /** Only the k most probable tokens may be drawn (Fan et al. 2018), renormalised; default all. */
  topK?: number;
}

/**
 * The distribution {@link sampleToken} draws from: `probs` (a probability vector, e.g. a softmax output) with
 * temperature and top-k applied. Greedy (`temperature: 0`) gives a one-hot vector on the first maximum.
 */
export function samplingDistribution(probs: ArrayLike<number>, options: SamplingOptions = {}): Float64Array {
  const o = checkOptions('samplingDistribution: options', options);
  const n = probs.length;
  if (n === 0) throw new InputError('samplingDistribution: probs', 'a non-empty probability vector', 'an empty one');
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(probs[i]) || probs[i] < 0) {
      throw new InputError('samplingDistribution: probs', 'finite non-negative numbers', `${probs[i]} at ${i}`);
    }
  }
  const temperature = checkNumber('samplingDistribution: temperature', o.temperature ?? 1, 0);
  const k = checkInt('samplingDistribution: topK', o.topK ?? n, 1);
  const out = new Float64Array(n);
  if (temperature === 0) {
    let best = 0;
    for (let i = 1; i < n; i++) if (probs[i] > probs[best]) best = i;
    out[best] = 1;
    return out;
  }
  // In log space: p^(1/T) underflows for small T; subtracting the max log keeps the largest term at 1.
  const logs = Array.from(probs, (p) => (p > 0 ? Math.log(p) / temperature : -Infinity));
  const order = logs.map((_, i) => i).sort((a, b) => logs[b] - logs[a]);
  const keep = order.slice(0, Math.min(k, n));
  const max = logs[keep[0]];
  if (max === -Infinity)
    throw new InputError('samplingDistribution: probs', 'a vector with a positive entry', 'all zeros');
  let sum = 0;
  for (const i of keep) {
    out[i] = Math.exp(logs[i] - max);
    sum += out[i];
  }
  for (const i of keep) out[i] /= sum;
  return out;
}

/** Draws one index from {@link samplingDistribution}; `rng` from `createRng(seed)` makes it reproducible. */
export function sampleToken(probs: ArrayLike<number>, options: SamplingOptions & { rng?: Rng } = {}): number {
  const dist = samplingDistribution(probs, options);
  const u = (options.rng ?? { next: Math.random }).next();
  let acc = 0;
  for (let i = 0; i < dist.length; i++) {
    acc += dist[i];
    if (u < acc) return i;
  }
  // Rounding left acc a hair below 1: the last token with mass.
  for (let i = dist.length - 1; i >= 0; i--) if (dist[i] > 0) return i;
  return 0;
}

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Token ids fed first (the context); at least one. */
  prompt: number[];
  /** Tokens to generate after the prompt. */
  length: number;
  /** Seed of the draws; default 0. */
  seed?: number;
  /** Start from zero state (default true); false continues from where the model is. */
  reset?: boolean;
}

/**
 * Generates tokens with a token model streamed one step at a time ({@link streamingModel} of a many-to-many
 * model with an embedding input and a softmax head, batch size 1): feeds the prompt, then repeatedly draws the
 * next token with {@link sampleToken} and feeds it back. Returns the generated ids (without the prompt).
 */
export function generate(stream: StreamingModel, options: GenerateOptions): number[] {
  const o = checkOptions('generate: options', options);
  if (stream.batchSize !== 1)
    throw new InputError('generate: stream', 'a streaming model of batch size 1', `batch size ${stream.batchSize}`);
  if (!Array.isArray(o.prompt) || o.prompt.length === 0)
    throw new InputError('generate: prompt', 'a non-empty array of ids', String(o.prompt));
  const length = checkInt('generate: length', o.length, 0);
  const rng = createRng(checkInt('generate: seed', o.seed ?? 0, 0));
  samplingDistribution([1], { temperature: o.temperature, topK: 1 }); // checks the options once, up front
  if (o.reset ?? true) stream.reset();
  const feed = (id: number): ArrayLike<number> => {
    const x = tf.tensor1d([id]);
    const y = stream.step(x);
    const p = y.dataSync();
    tf.dispose([x, y]);
    return p;
  };
  let probs: ArrayLike<number> = [];
  for (const id of o.prompt) probs = feed(id);
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const id = sampleToken(probs, { temperature: o.temperature, topK: o.topK, rng });
    out.push(id);
    if (i < length - 1) probs = feed(id);
  }
  return out;
}
