// Checks that a Tiefe package bundles for the browser the way a user's bundler would build it: esbuild,
// platform 'browser', as ESM and as an iife, with tfjs bundled in, and no error and no warning (an iife has
// an empty `import.meta`, which esbuild warns about). Used from `src` by each package's browserBundle test and
// from the packed `dist` by scripts/check-packs.mjs. Also scans sources for `node:` imports that bypass
// importNodeOnly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The publishable packages, in dependency order. */
export const PACKAGES = ['core', 'charts', 'datasets', 'losses', 'blocks', 'explain'];

/** Packages that must never reach a browser bundle: they are loaded through importNodeOnly in Node only. */
const NODE_ONLY_PACKAGES = /node_modules\/(pngjs|jpeg-js|webgpu|@resvg)\//;

/**
 * Problems of bundling `name` (`@tiefe/<pkg>`) for the browser, as readable lines (none: it bundles clean).
 * `resolveDir` is where `name` resolves from (the packed install); `alias` maps package names to source entries.
 */
export async function browserBundleProblems(name, { resolveDir, alias } = {}) {
  const problems = [];
  for (const format of ['esm', 'iife']) {
    let result;
    try {
      result = await build({
        stdin: { contents: `export * from '${name}';`, resolveDir: resolveDir ?? process.cwd(), loader: 'js' },
        bundle: true,
        platform: 'browser',
        format,
        write: false,
        metafile: true,
        logLevel: 'silent',
        alias,
      });
    } catch (e) {
      for (const m of e.errors ?? [{ text: String(e) }]) problems.push(`${name} ${format}: error: ${describe(m)}`);
      continue;
    }
    for (const m of result.warnings) problems.push(`${name} ${format}: warning: ${describe(m)}`);
    const code = result.outputFiles[0].text;
    if (/\bfrom\s*["']node:|\brequire\(["']node:|\bimport\(["']node:/.test(code)) {
      problems.push(`${name} ${format}: imports a node: module statically`);
    }
    for (const input of Object.keys(result.metafile.inputs)) {
      if (NODE_ONLY_PACKAGES.test(input)) problems.push(`${name} ${format}: bundles Node-only ${input}`);
    }
  }
  return problems;
}

function describe(m) {
  return `${m.text}${m.location ? ` (${m.location.file}:${m.location.line})` : ''}`;
}

/** `.ts` files under `dir`, recursively. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/**
 * Lines of the sources under `srcDir` that import a `node:` module other than through importNodeOnly:
 * `import ... from 'node:x'`, `import('node:x')` (type positions, `typeof import('node:x')`, are erased and
 * allowed), `require('node:x')`, and `import.meta` (empty in an iife).
 */
export function nodeImportProblems(srcDir) {
  const problems = [];
  for (const file of sources(srcDir)) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/^\s*\*.*$/, '');
        const bad =
          /\bfrom\s*['"]node:/.test(code) ||
          /^\s*import\s*['"]node:/.test(code) ||
          /(?<!typeof\s)\bimport\(\s*['"]node:/.test(code) ||
          /\brequire\(\s*['"]node:/.test(code) ||
          /\bimport\.meta\b/.test(code);
        if (bad) problems.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  return problems;
}

/** esbuild aliases that make `@tiefe/<pkg>` resolve to `<root>/packages/<pkg>/src/index.ts`, as the tests do. */
export function sourceAliases(root) {
  return Object.fromEntries(PACKAGES.map((p) => [`@tiefe/${p}`, join(root, 'packages', p, 'src', 'index.ts')]));
}
