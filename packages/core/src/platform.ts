/**
 * Where Tiefe runs, and the one way its packages load Node-only modules. Everything that needs `node:fs`,
 * `node:path`, `node:zlib` or a Node-only npm package imports it through {@link importNodeOnly}, on Node code
 * paths only, so that the packages' single entry bundles for the browser with no error and no warning.
 */

/** True in Node (and Node-compatible runtimes), false in browsers and workers. */
export const isNode: boolean =
  typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

/**
 * Imports a Node built-in (`'node:fs/promises'`) or a Node-only package through a specifier that bundlers do
 * not follow, so browser bundles neither include nor fail on it. Call it only on Node code paths.
 */
export function importNodeOnly<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/**
 * Node only: the file that `require.resolve(specifier)` finds from @tiefe/core's own folder (for its peer and
 * optional dependencies such as `@tensorflow/tfjs-backend-wasm` and `webgpu`). Not via `import.meta.url`, which
 * is empty when a browser bundler builds an iife, so that no code needs `import.meta` anywhere: it starts from
 * this file in the CommonJS build, and else from where the application finds `@tiefe/core` (its main script's
 * folder, then the working directory), falling back to resolving from those folders themselves.
 */
export async function resolveFromCore(specifier: string): Promise<string> {
  const { createRequire } = await importNodeOnly<typeof import('node:module')>('node:module');
  const { join, resolve } = await importNodeOnly<typeof import('node:path')>('node:path');
  const starts = [
    ...(typeof __filename === 'string' ? [__filename] : []),
    ...(process.argv[1] ? [resolve(process.argv[1])] : []),
    join(process.cwd(), 'noop.js'),
  ];
  const bases = starts.flatMap((start) => {
    try {
      return [createRequire(start).resolve('@tiefe/core/package.json'), start];
    } catch {
      return [start];
    }
  });
  let firstError: unknown;
  for (const base of bases) {
    try {
      return createRequire(base).resolve(specifier);
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}
