/**
 * The markup of the tour's report: one self-contained HTML page (inline CSS, charts as inline SVG, images as
 * PNG data URIs inside them), with no reference to anything outside the file.
 */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * An SVG document made fit to sit inside HTML: the XML prolog and the namespace declarations go (an HTML
 * parser puts `<svg>` in the SVG namespace by itself), so the page names no `http://` address at all.
 */
export function inlineSvg(svg: string): string {
  return svg
    .replace(/^\s*<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .trim();
}

/** A chart with a caption. */
export function figure(svg: string, caption: string): string {
  return `<figure>${inlineSvg(svg)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** A table cell: text, or a number shown with `digits` decimals (right-aligned). */
export type Cell = string | { value: number; digits: number };

/** A table with a header row; `id` names it for readers and tests. */
export function table(id: string, headers: string[], rows: Cell[][], caption?: string): string {
  const cell = (c: Cell) =>
    typeof c === 'string' ? `<td>${escapeHtml(c)}</td>` : `<td class="num">${c.value.toFixed(c.digits)}</td>`;
  const head = `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n');
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : '';
  return `<table id="${escapeHtml(id)}">${cap}<thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

/** One part of the report; `body` is HTML. */
export interface Section {
  id: string;
  title: string;
  /** Seconds the part took, shown beside its title. */
  seconds: number;
  body: string;
}

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1d2330; margin: 0; background: #f6f7f9; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 0 0 10px; display: flex; justify-content: space-between; align-items: baseline; }
h2 .time { font-size: 13px; font-weight: normal; color: #667; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 18px 22px; margin: 18px 0; }
figure { margin: 12px 0; display: inline-block; vertical-align: top; max-width: 100%; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 13px; color: #556; max-width: 640px; }
table { border-collapse: collapse; margin: 10px 0; font-size: 14px; }
th, td { border-bottom: 1px solid #e3e6ea; padding: 3px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
.lead { color: #445; }
.warn { color: #a40; font-weight: 600; }
details summary { cursor: pointer; color: #345; }
`;

/** The whole page: a title, a lead paragraph and the sections, in order. */
export function page(title: string, lead: string, sections: Section[]): string {
  const parts = sections.map(
    (s) =>
      `<section id="${escapeHtml(s.id)}">\n<h2>${escapeHtml(s.title)}<span class="time">${s.seconds.toFixed(1)} s</span></h2>\n${s.body}\n</section>`,
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeHtml(title)}</h1>`,
    `<p class="lead">${lead}</p>`,
    ...parts,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
