/**
 * Imports a Node built-in or a Node-only package through a specifier that bundlers do not follow, so that
 * browser bundles of this package neither include nor fail on `node:fs`, pngjs or jpeg-js. Only ever called
 * on Node code paths.
 */
export function importNodeOnly<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
