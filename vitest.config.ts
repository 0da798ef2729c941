import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
// @ts-expect-error plain ESM helper without types
import { es2017Bundle } from './packages/core/register-hooks.mjs';

// Every workspace package with a `src/index.ts` (a new package needs no edit here).
const packages = readdirSync(new URL('./packages/', import.meta.url)).filter((p) =>
  existsSync(new URL(`./packages/${p}/src/index.ts`, import.meta.url)),
);
const here = fileURLToPath(import.meta.url);
const tfjs = ['core', 'layers', 'data', 'backend-cpu', 'backend-wasm', 'backend-webgpu'].map(
  (p) => `@tensorflow/tfjs-${p}`,
);

export default defineConfig({
  resolve: {
    // Tests run against each package's source, so `npm test` needs no build first.
    alias: [
      ...packages.map((p) => ({
        find: new RegExp(`^@tiefe/${p}$`),
        replacement: fileURLToPath(new URL(`./packages/${p}/src/index.ts`, import.meta.url)),
      })),
      // The same ES2017 bundles that @tiefe/core/register gives plain Node (one tfjs-core for everyone).
      ...tfjs.map((name) => ({ find: new RegExp(`^${name}$`), replacement: es2017Bundle(name, here) as string })),
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'docs/test/**/*.test.ts'],
    // Load tfjs's ES2017 builds (about 3x faster than the default ES5 bundles) in every test worker.
    execArgv: ['--import', '@tiefe/core/register'],
    // One XNNPACK thread per test process: the 2 forks already fill 2 cores, and a threaded wasm start costs each
    // process ~0.5 s and ~35 MB (packages/core/test/wasmThreads.test.ts starts threads itself). See docs/backends.md.
    env: { TIEFE_WASM_THREADS: '1' },
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
