import { checkOneOf, InputError } from '@tiefe/core';
import { COLORMAPS, type ColormapName, colormap, isDiverging } from './colormap.js';

/** Options of {@link renderTokens}. */
export interface TokenOptions {
  /** Colour map (default 'bwr': signed relevance, white = 0); a sequential map colours |score| / max. */
  colormap?: ColormapName;
}

const escapeHtml = (t: string) =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Text or sequence attributions as coloured tokens: an HTML fragment of one `<span>` per token whose background
 * is the token's score under the colour map (diverging maps: -max..max around white; sequential: 0..max of
 * |score|), with the score as the tooltip. Tokens are HTML-escaped.
 */
export function renderTokens(tokens: string[], scores: ArrayLike<number>, options: TokenOptions = {}): string {
  const name = checkOneOf('renderTokens: colormap', options.colormap ?? 'bwr', COLORMAPS);
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string'))
    throw new InputError('renderTokens: tokens', 'an array of strings', String(tokens));
  if (scores?.length !== tokens.length)
    throw new InputError('renderTokens: scores', `${tokens.length} scores (one per token)`, String(scores?.length));
  const values = Array.from(scores);
  if (values.some((v) => !Number.isFinite(v)))
    throw new InputError('renderTokens: scores', 'finite numbers', 'a NaN or infinite score');
  const max = Math.max(...values.map(Math.abs)) || 1;
  const diverging = isDiverging(name);
  const spans = tokens.map((tok, i) => {
    const v = values[i];
    const [r, g, b] = colormap(name, diverging ? 0.5 + v / (2 * max) : Math.abs(v) / max);
    const dark = 0.299 * r + 0.587 * g + 0.114 * b < 128;
    const style = `background:rgb(${r},${g},${b});color:${dark ? '#fff' : '#000'};padding:0 2px;border-radius:2px`;
    return `<span style="${style}" title="${v.toPrecision(4)}">${escapeHtml(tok)}</span>`;
  });
  return `<div class="tiefe-tokens">${spans.join(' ')}</div>`;
}
