/** The gallery's pages (one per package) and their HTML shell. */

/** A page: its file name (`<id>.html`, program `src/pages/<id>.ts`), title and one line about it. */
export interface PageInfo {
  id: string;
  title: string;
  about: string;
}

export const PAGES: readonly PageInfo[] = [
  {
    id: 'classify',
    title: 'Classify',
    about: 'A CNN (@tiefe/blocks) trains on real MNIST digits; draw a digit and see its LRP and SmoothGrad maps.',
  },
  { id: 'segment', title: 'Segment', about: 'A U-Net learns to label synthetic shape scenes, Dice per class live.' },
  { id: 'generate', title: 'Generate', about: 'A VAE (samples, a latent walk) and a conditional GAN on MNIST.' },
  {
    id: 'sequence',
    title: 'Sequence',
    about: 'A character LSTM writes Reber-grammar text; LSTM vs SimpleRNN on the adding problem.',
  },
  {
    id: 'continual',
    title: 'Continual',
    about: 'Split MNIST, class-incremental: the accuracy matrix of naive fine-tuning and of replay.',
  },
  { id: 'backend', title: 'Backends', about: 'The WebGPU adapter and a matMul / conv2d speed probe per backend.' },
];

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 1.5rem 2rem; color: #222; }
nav { display: flex; gap: 1rem; padding: .6rem 0; border-bottom: 1px solid #ddd; margin-bottom: .8rem; }
nav a { color: #0550ae; text-decoration: none; } nav a[aria-current] { font-weight: 600; color: #222; }
#notice:not(:empty) { background: #fff4d6; border: 1px solid #e5c46b; padding: .4rem .7rem; margin: .5rem 0; }
#backend { color: #555; }
.row { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; margin: .6rem 0; }
.panel { border: 1px solid #e3e3e3; padding: .5rem; border-radius: 4px; }
.panel h3 { margin: 0 0 .3rem; font-size: 13px; }
canvas { image-rendering: pixelated; border: 1px solid #ccc; }
.progress { display: flex; gap: .6rem; align-items: center; margin: .5rem 0; }
.progress progress { width: 20rem; }
button { font: inherit; padding: .2rem .7rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: .5rem; max-width: 60rem; }
`;

/** The HTML of page `id` (undefined: the gallery's index). */
export function pageHtml(id: string | undefined): string {
  const page = PAGES.find((p) => p.id === id);
  const nav = [
    `<a href="./index.html"${id === undefined ? ' aria-current="page"' : ''}>Tiefe gallery</a>`,
    ...PAGES.map((p) => `<a href="./${p.id}.html"${p.id === id ? ' aria-current="page"' : ''}>${p.title}</a>`),
  ].join('');
  const body = page
    ? `<h1>${page.title}</h1><p>${page.about}</p><p id="backend">starting a backend...</p><div id="notice"></div>
<main id="app"></main><script type="module" src="./${page.id}.js"></script>`
    : `<h1>Tiefe gallery</h1><p>Each page trains or runs live in this browser, on WebGPU where the adapter is a
hardware one and on wasm otherwise (add <code>?backend=webgpu</code> or <code>?backend=wasm</code> to force one).</p>
<ul>${PAGES.map((p) => `<li><a href="./${p.id}.html">${p.title}</a>: ${p.about}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><link rel="icon" href="data:," /><title>Tiefe gallery${page ? `: ${page.title}` : ''}</title>
<style>${STYLE}</style></head>
<body><nav>${nav}</nav>${body}</body></html>
`;
}
