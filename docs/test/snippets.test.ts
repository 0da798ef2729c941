/**
 * Every ```ts block of every `packages/<pkg>/README.md`, every page under `docs/` (the guides in `docs/guides/`
 * included) and the root README runs as written, so no snippet can rot (see snippets.ts for how: the aliases, a scratch working folder, `../shared/data/mnist` holding
 * the first 4,000 real MNIST test digits). A block that is deliberately not runnable is fenced ```ts no-run; keep
 * those rare.
 *
 * The getting-started program is also held to what it learns: smallCnn's batch-norm statistics once lagged so
 * far behind (Keras' momentum 0.99) that after the program's 250 steps the held-out accuracy was 70% while
 * training said 95%. On the fixture (4,000 digits: 2,000 train, 64 steps, ~40 s) the default (momentum 0.9)
 * reaches 0.93, momentum 0.99 0.11.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentedFiles, root, runSnippet, snippetsOf } from './snippets.js';

const snippets = documentedFiles().flatMap(snippetsOf);

/** What a file's snippets must print, beyond running. */
const checks: Record<string, (printed: string[]) => void> = {
  'docs/getting-started.md': (printed) => {
    const line = printed.join('\n').match(/^\s*accuracy\s+([\d.]+)/m);
    expect(line, printed.join('\n')).not.toBeNull();
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(GETTING_STARTED_FIXTURE_ACCURACY);
  },
};

/** Held-out accuracy the getting-started program must reach on the fixture (0.93 measured on wasm). */
const GETTING_STARTED_FIXTURE_ACCURACY = 0.88;

/** The number a snippet printed after `label` (the first match). */
function printedNumber(printed: string[], label: RegExp): number {
  const m = printed.join('\n').match(new RegExp(`${label.source}\\s*(-?[\\d.]+)`));
  expect(m, `${label} in:\n${printed.join('\n')}`).not.toBeNull();
  return Number(m?.[1]);
}

/**
 * The guides' claims that their snippets demonstrate, held to what the snippets print: each applies to the
 * snippet of `file` whose code contains `marker` (which must exist). Measured on wasm with the seeds the snippets
 * set; the bounds leave room for other backends.
 */
const guideChecks: { file: string; marker: string; check: (printed: string[]) => void }[] = [
  {
    // 7.2: a linear hidden layer cannot learn XOR (at most 3 of 4), a tanh one can (measured 0.5 and 1).
    file: 'docs/guides/02-ann-basics-training-regularisation.md',
    marker: 'xorAccuracy',
    check: (printed) => {
      expect(printedNumber(printed, /XOR accuracy, linear hidden layer/)).toBeLessThanOrEqual(0.75);
      expect(printedNumber(printed, /XOR accuracy, tanh hidden layer/)).toBe(1);
    },
  },
  {
    // 7.4.1: zero initialisation leaves every hidden neuron equal (spread 0); standardised inputs train better
    // than raw ones (measured 0.785 vs 0.125).
    file: 'docs/guides/03-deep-networks.md',
    marker: 'Standardizer',
    check: (printed) => {
      expect(printedNumber(printed, /zeros\s+scaled true: accuracy [\d.]+, spread of the hidden neurons/)).toBe(0);
      const raw = printedNumber(printed, /heNormal scaled false: accuracy/);
      expect(printedNumber(printed, /heNormal scaled true: accuracy/)).toBeGreaterThan(raw + 0.2);
    },
  },
  {
    // 7.6: the denoising autoencoder brings the noisy digits closer to the clean ones (measured 0.097 -> 0.052),
    // and its reconstruction error separates unseen zeros from known digits (AUROC 0.915).
    file: 'docs/guides/06-autoencoders.md',
    marker: 'anomalyThreshold',
    check: (printed) => {
      const noisy = printedNumber(printed, /MSE to the clean digits: noisy/);
      expect(printedNumber(printed, /MSE to the clean digits: noisy [\d.]+ denoised/)).toBeLessThan(noisy);
      expect(printedNumber(printed, /AUROC of the reconstruction error/)).toBeGreaterThan(0.75);
    },
  },
  {
    // 7.9: with 10 labels per class the frozen features beat training from scratch (measured 0.768 vs 0.461).
    file: 'docs/guides/09-transfer-continual-explain.md',
    marker: 'extractFeatures',
    check: (printed) => {
      const scratch = printedNumber(printed, /from scratch: accuracy on \d+ new digits/);
      expect(printedNumber(printed, /new output layer: accuracy on \d+ new digits/)).toBeGreaterThan(scratch);
    },
  },
  {
    // 7.9: replay forgets less than naive fine-tuning (measured forgetting 0.052 vs 0.466).
    file: 'docs/guides/09-transfer-continual-explain.md',
    marker: 'ContinualTrainer',
    check: (printed) => {
      const naive = printedNumber(printed, /naive: average accuracy [\d.]+, forgetting/);
      expect(printedNumber(printed, /replay: average accuracy [\d.]+, forgetting/)).toBeLessThan(naive);
    },
  },
  {
    // 7.9: removing what LRP marks as relevant lowers the score faster than a random order (0.31 vs -0.07).
    file: 'docs/guides/09-transfer-continual-explain.md',
    marker: 'pixelFlipping',
    check: (printed) => {
      const random = printedNumber(printed, /vs random order/);
      expect(printedNumber(printed, /AOPC of LRP/)).toBeGreaterThan(random);
    },
  },
];

/** The guides: one per section of the course, in its order (docs/README.md lists them). */
const GUIDES = 10;

describe('README and docs snippets', () => {
  afterAll(() => {
    // A crashed run can leave a module folder behind; never leave them in the tree.
    for (const n of readdirSync(join(root, 'docs', 'test'))) {
      if (n.startsWith('.snippet-')) rmSync(join(root, 'docs', 'test', n), { recursive: true, force: true });
    }
  });

  it('finds the snippets of every package README and the getting-started guide', () => {
    const where = new Set(snippets.map((s) => relative(root, s.file)));
    for (const pkg of ['core', 'datasets', 'losses', 'blocks', 'explain']) {
      expect(where.has(`packages/${pkg}/README.md`), pkg).toBe(true);
    }
    expect(where.has('docs/getting-started.md')).toBe(true);
    expect(where.has('docs/scale.md')).toBe(true);
    // One guide per course section, each with at least one runnable snippet.
    const guides = readdirSync(join(root, 'docs', 'guides')).filter((n) => /^\d\d-.+\.md$/.test(n));
    expect(guides.length).toBe(GUIDES);
    for (const g of guides) {
      const runnable = snippets.filter(
        (x) => relative(root, x.file) === `docs/guides/${g}` && !x.tags.includes('no-run'),
      );
      expect(runnable.length, g).toBeGreaterThan(0);
    }
    for (const c of guideChecks) {
      const found = snippets.filter((x) => relative(root, x.file) === c.file && x.code.includes(c.marker));
      expect(found.length, `${c.file}: a snippet with ${c.marker}`).toBe(1);
    }
    // Not runnable must stay the exception.
    expect(snippets.filter((s) => s.tags.includes('no-run')).length).toBeLessThanOrEqual(2);
  });

  for (const s of snippets.filter((x) => !x.tags.includes('no-run'))) {
    const file = relative(root, s.file);
    it(`${file}:${s.line} runs as written`, async () => {
      const printed = await runSnippet(s, `${file}:${s.line}`.replace(/[^A-Za-z0-9]+/g, '_'));
      checks[file]?.(printed);
      for (const c of guideChecks) if (c.file === file && s.code.includes(c.marker)) c.check(printed);
    });
  }
});
