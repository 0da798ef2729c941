/**
 * Splits `text` at spaces into lines of at most `maxChars` characters (a longer word keeps a line to itself),
 * for axis labels and headers that must fit a column: vega draws an array of strings as lines.
 */
export function wrapText(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + 1 + word.length <= maxChars) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

/**
 * Axis labels wrapped to `maxChars`: a vega expression mapping `datum.value` (a key of `labels`) to its lines,
 * and the most lines of any label. With `alignBottom` (labels above a top axis, which vega draws downwards
 * from their anchor) shorter labels get empty first lines, so every label ends on the same line.
 */
export function wrappedLabels(
  labels: Record<string | number, string>,
  maxChars: number,
  alignBottom = false,
): { expr: string; lines: number } {
  const wrapped = Object.entries(labels).map(([k, v]) => [k, wrapText(v, maxChars)] as const);
  const lines = Math.max(...wrapped.map(([, l]) => l.length));
  const padded = wrapped.map(([k, l]) => [k, alignBottom ? [...Array(lines - l.length).fill(''), ...l] : l]);
  return { expr: `${JSON.stringify(Object.fromEntries(padded))}[datum.value]`, lines };
}
