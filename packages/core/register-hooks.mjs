// ESM resolve hook and shared lookup for @tiefe/core/register (see register.mjs for why).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BUNDLES = {
  '@tensorflow/tfjs-core': 'tf-core',
  '@tensorflow/tfjs-layers': 'tf-layers',
  '@tensorflow/tfjs-data': 'tf-data',
  '@tensorflow/tfjs-backend-cpu': 'tf-backend-cpu',
  '@tensorflow/tfjs-backend-wasm': 'tf-backend-wasm',
  '@tensorflow/tfjs-backend-webgpu': 'tf-backend-webgpu',
  '@tensorflow/tfjs-converter': 'tf-converter',
};

const cache = new Map();

/**
 * The absolute path of the ES2017 bundle of tfjs package `name` as seen from the module at `parentPath`,
 * or undefined when `name` is not a tfjs package, is not installed there, or ships no ES2017 bundle.
 */
export function es2017Bundle(name, parentPath) {
  const file = BUNDLES[name];
  if (!file) return undefined;
  let manifest;
  try {
    manifest = createRequire(parentPath).resolve(`${name}/package.json`);
  } catch {
    return undefined; // not installed there: let Node report it as usual
  }
  if (!cache.has(manifest)) {
    const bundle = join(dirname(manifest), 'dist', `${file}.es2017.js`);
    cache.set(manifest, existsSync(bundle) ? bundle : undefined);
  }
  return cache.get(manifest);
}

export async function resolve(specifier, context, nextResolve) {
  if (BUNDLES[specifier]) {
    const parent = context.parentURL?.startsWith('file:')
      ? fileURLToPath(context.parentURL)
      : join(process.cwd(), 'noop.js');
    const bundle = es2017Bundle(specifier, parent);
    if (bundle) return { url: pathToFileURL(bundle).href, format: 'commonjs', shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
