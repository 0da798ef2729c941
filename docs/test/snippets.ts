/**
 * Finds and runs the ```ts blocks of the READMEs and docs (see snippets.test.ts). Each block is written to a
 * temporary `.ts` file inside the repository, so the vitest aliases apply (`@tiefe/*` -> each package's `src/`,
 * the ES2017 tfjs bundles every test uses), and imported. The working directory meanwhile is an empty scratch
 * folder `<tmp>/work`, so what a snippet writes lands there, and `<tmp>/shared/data/mnist` holds the first
 * {@link FIXTURE_DIGITS} real MNIST test digits: the snippets' `'../shared/data/mnist'` resolves as from the
 * repository root, to real digits, few enough that every snippet runs in seconds.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readIdx, writeIdx } from '@tiefe/datasets';
import { vi } from 'vitest';

/** The repository root. */
export const root = fileURLToPath(new URL('../..', import.meta.url));

/** How many of the 10,000 MNIST test digits the snippets' `../shared/data/mnist` holds. */
export const FIXTURE_DIGITS = 4000;

/** Writes the first `count` digits of the real MNIST test files into `dir` (gzipped IDX, as the originals). */
export function writeMnistFixture(dir: string, count = FIXTURE_DIGITS): void {
  const real = join(root, '..', 'shared', 'data', 'mnist');
  mkdirSync(dir, { recursive: true });
  for (const name of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    const { data, shape } = readIdx(new Uint8Array(readFileSync(join(real, name))));
    const item = shape.slice(1).reduce((a, b) => a * b, 1);
    const first = { data: data.subarray(0, count * item) as Uint8Array, shape: [count, ...shape.slice(1)] };
    writeFileSync(join(dir, name), writeIdx(first, { gzip: true }));
  }
}

/** A fenced block: its file, the line its fence opens on, the words after the language, and its code. */
export interface Snippet {
  file: string;
  line: number;
  tags: string[];
  code: string;
}

/** The ```ts blocks of one markdown file. */
export function snippetsOf(file: string): Snippet[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    out.push({ file, line: start + 1, tags: open[2].trim().split(/\s+/).filter(Boolean), code: body.join('\n') });
  }
  return out;
}

/** The markdown files under `dir`, its subfolders included, but not the generated API reference `docs/api`. */
function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return path === join(root, 'docs', 'api') ? [] : markdownUnder(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The markdown files whose snippets must run: the root README, every package README, every page under docs/. */
export function documentedFiles(): string[] {
  const files = [join(root, 'README.md')];
  for (const pkg of readdirSync(join(root, 'packages'))) files.push(join(root, 'packages', pkg, 'README.md'));
  files.push(...markdownUnder(join(root, 'docs')).sort());
  return files.filter((f) => existsSync(f));
}

/**
 * Runs one snippet as a module, written inside the repository (for the aliases), with the working directory in a
 * scratch folder beside the MNIST fixture; removes both afterwards. Returns what it printed with console.log.
 */
export async function runSnippet(snippet: Snippet, name: string): Promise<string[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'tiefe-snippet-'));
  const cwd = join(scratch, 'work');
  mkdirSync(cwd);
  writeMnistFixture(join(scratch, 'shared', 'data', 'mnist'));
  const moduleDir = mkdtempSync(join(root, 'docs', 'test', '.snippet-'));
  const moduleFile = join(moduleDir, `${name}.ts`);
  writeFileSync(moduleFile, `${snippet.code}\nexport {};\n`);
  const printed: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.map(String).join(' '));
  });
  const before = process.cwd();
  process.chdir(cwd);
  try {
    await import(pathToFileURL(moduleFile).href);
  } finally {
    process.chdir(before);
    log.mockRestore();
    rmSync(moduleDir, { recursive: true, force: true });
    rmSync(scratch, { recursive: true, force: true });
  }
  return printed;
}
