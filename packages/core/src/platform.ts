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
