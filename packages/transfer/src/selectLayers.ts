/**
 * Finding layers by name (with the nearest names in the error when one does not exist) and selecting them by
 * name, index, range, pattern or predicate: the vocabulary that {@link freeze}, {@link cutAt} and the
 * layer-wise learning rates share.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { describeValue, InputError } from '@tiefe/core';

/**
 * Which layers of a model: a name, an index (negative counts from the end, as in Python), a pattern matched
 * against names, an inclusive range `{ from, to }` of names or indices (either end may be left out), a
 * predicate, or a list of these (their union).
 */
export type LayerSelector =
  | string
  | number
  | RegExp
  | { from?: string | number; to?: string | number }
  | ((layer: tfl.layers.Layer, index: number) => boolean)
  | readonly LayerSelector[];

/** Edit distance between two names (Levenshtein), to suggest the names nearest to a misspelt one. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** Up to `count` of `names` nearest to `name` (case-insensitive), for "did you mean" lists in errors. */
export function nearestNames(name: string, names: readonly string[], count = 3): string[] {
  const key = name.toLowerCase();
  const prefix = (n: string) => {
    let i = 0;
    while (i < key.length && i < n.length && key[i] === n[i]) i++;
    return i;
  };
  // Nearest by edit distance (a name containing the query counts as near); ties: longer common prefix first.
  return [...names]
    .map((n) => {
      const low = n.toLowerCase();
      return { n, d: distance(key, low) - (low.includes(key) ? key.length : 0), p: prefix(low) };
    })
    .sort((a, b) => a.d - b.d || b.p - a.p)
    .slice(0, count)
    .map((e) => e.n);
}

/**
 * The layer of `model` called `name`; an {@link @tiefe/core!InputError} for `input` listing the nearest existing
 * names when there is none.
 */
export function layerByName(model: tfl.LayersModel, name: string, input: string): tfl.layers.Layer {
  if (typeof name !== 'string') throw new InputError(input, 'a layer name (string)', describeValue(name));
  const layer = model.layers.find((l) => l.name === name);
  if (layer) return layer;
  const near = nearestNames(
    name,
    model.layers.map((l) => l.name),
  );
  throw new InputError(
    input,
    `the name of a layer of model "${model.name}" (nearest: ${near.join(', ')})`,
    `"${name}"`,
  );
}

function indexOf(model: tfl.LayersModel, at: string | number, input: string): number {
  const n = model.layers.length;
  if (typeof at === 'string') return model.layers.indexOf(layerByName(model, at, input));
  if (!Number.isInteger(at) || at < -n || at >= n) {
    throw new InputError(input, `a layer index in [${-n}, ${n - 1}]`, describeValue(at));
  }
  return at < 0 ? n + at : at;
}

/**
 * The indices (ascending, without repeats) of the layers of `model` that `selector` picks; `input` names the
 * argument in errors (`'freeze: layers'`). A name that does not exist, an index out of range or a selector
 * that picks nothing is an {@link @tiefe/core!InputError}.
 */
export function selectLayers(model: tfl.LayersModel, selector: LayerSelector, input: string): number[] {
  const picked = new Set<number>();
  const add = (s: LayerSelector): void => {
    if (Array.isArray(s)) {
      for (const item of s) add(item as LayerSelector);
    } else if (typeof s === 'string' || typeof s === 'number') {
      picked.add(indexOf(model, s, input));
    } else if (s instanceof RegExp) {
      model.layers.forEach((l, i) => {
        if (s.test(l.name)) picked.add(i);
      });
    } else if (typeof s === 'function') {
      model.layers.forEach((l, i) => {
        if ((s as (layer: tfl.layers.Layer, index: number) => boolean)(l, i)) picked.add(i);
      });
    } else if (s !== null && typeof s === 'object' && ('from' in s || 'to' in s)) {
      const range = s as { from?: string | number; to?: string | number };
      const from = range.from === undefined ? 0 : indexOf(model, range.from, input);
      const to = range.to === undefined ? model.layers.length - 1 : indexOf(model, range.to, input);
      if (from > to) throw new InputError(input, 'a range whose start comes before its end', `${from}..${to}`);
      for (let i = from; i <= to; i++) picked.add(i);
    } else {
      throw new InputError(
        input,
        'a layer name, index, RegExp, { from, to } range, predicate or a list of them',
        describeValue(s),
      );
    }
  };
  add(selector);
  if (picked.size === 0) throw new InputError(input, 'a selector that picks at least one layer', 'none picked');
  return [...picked].sort((a, b) => a - b);
}
