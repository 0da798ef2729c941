/**
 * The one tsup configuration of every publishable package (each package's `tsup.config.ts` only names its
 * entries): ESM + CJS + `.d.ts` from `src/index.ts`, with tfjs, other Tiefe packages and Dawn left external.
 */
import { defineConfig, type Options } from 'tsup';

/** The tsup config of a package; `overrides` is for what truly differs (none today). */
export function packageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    external: [/^@tensorflow\//, /^@tiefe\//, 'webgpu'],
    // Keep `node:` prefixes: without them a browser bundler takes `fs` or `path` for npm packages (issue 10).
    // Node modules are loaded only through importNodeOnly at run time, so none is imported statically anyway.
    removeNodeProtocol: false,
    ...overrides,
  });
}
