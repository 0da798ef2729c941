/**
 * Every ```ts block of every `packages/<pkg>/README.md`, `docs/*.md` and the root README runs as written, so no
 * snippet can rot (see snippets.ts for how: the aliases, a scratch working folder, `../shared/data/mnist` holding
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
    // Not runnable must stay the exception.
    expect(snippets.filter((s) => s.tags.includes('no-run')).length).toBeLessThanOrEqual(2);
  });

  for (const s of snippets.filter((x) => !x.tags.includes('no-run'))) {
    const file = relative(root, s.file);
    it(`${file}:${s.line} runs as written`, async () => {
      const printed = await runSnippet(s, `${file}:${s.line}`.replace(/[^A-Za-z0-9]+/g, '_'));
      checks[file]?.(printed);
    });
  }
});
