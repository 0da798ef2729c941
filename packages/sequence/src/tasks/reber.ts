import { checkBoolean, checkInt, checkOptions, createRng, type Rng } from '@tiefe/core';

// The Reber grammar's automaton (Reber 1967; the LSTM paper's first benchmark): from each node two
// equally likely transitions, each emitting a letter. Node 6 emits the final E.
const GRAPH: Record<number, Array<[string, number]>> = {
  1: [
    ['T', 2],
    ['P', 3],
  ],
  2: [
    ['S', 2],
    ['X', 4],
  ],
  3: [
    ['T', 3],
    ['V', 5],
  ],
  4: [
    ['X', 3],
    ['S', 6],
  ],
  5: [
    ['P', 4],
    ['V', 6],
  ],
};

function reberString(rng: Rng): { text: string; bits: number } {
  let node = 1;
  let text = 'B';
  let bits = 0;
  while (node !== 6) {
    const [letter, next] = GRAPH[node][rng.int(2)];
    text += letter;
    bits += 1;
    node = next;
  }
  return { text: `${text}E`, bits };
}

/** Options of {@link reberText}. */
export interface ReberTextOptions {
  /** Number of strings. */
  strings: number;
  /**
   * Embedded Reber grammar (default true): `B T <reber> T E` or `B P <reber> P E`, so the second-last letter
   * repeats the second, a dependency across the whole inner string.
   */
  embedded?: boolean;
  /** Seed; default 0. */
  seed?: number;
}

/**
 * A text of Reber-grammar strings, concatenated (each starts with B and ends with E), and its information
 * content: `bits` is the number of fair binary choices made, so `bits / text.length` is the entropy rate
 * (bits per character) a perfect model of the grammar reaches.
 */
export function reberText(options: ReberTextOptions): { text: string; bits: number } {
  const o = checkOptions('reberText: options', options);
  const count = checkInt('reberText: strings', o.strings);
  const embedded = checkBoolean('reberText: embedded', o.embedded ?? true);
  const rng = createRng(checkInt('reberText: seed', o.seed ?? 0, 0));
  let text = '';
  let bits = 0;
  for (let i = 0; i < count; i++) {
    const inner = reberString(rng);
    bits += inner.bits;
    if (embedded) {
      const outer = rng.int(2) === 0 ? 'T' : 'P';
      bits += 1;
      text += `B${outer}${inner.text}${outer}E`;
    } else {
      text += inner.text;
    }
  }
  return { text, bits };
}

/** Whether `s` is one string of the (embedded) Reber grammar. */
export function isReberString(s: string, embedded = true): boolean {
  if (embedded) {
    const m = /^B([TP])(.*)([TP])E$/.exec(s);
    return m !== null && m[1] === m[3] && isReberString(m[2], false);
  }
  if (!s.startsWith('B') || !s.endsWith('E')) return false;
  let node = 1;
  for (const ch of s.slice(1, -1)) {
    const edge = GRAPH[node]?.find(([l]) => l === ch);
    if (!edge) return false;
    node = edge[1];
  }
  return node === 6;
}

/**
 * Splits a generated text into its strings (at each B that follows an E) and counts the complete ones the
 * grammar accepts: the first and last pieces may be cut off and are skipped.
 */
export function reberValidity(text: string, embedded = true): { complete: number; valid: number } {
  const pieces = text.split(/(?<=E)(?=B)/);
  const complete = pieces.slice(1, -1);
  return { complete: complete.length, valid: complete.filter((p) => isReberString(p, embedded)).length };
}
