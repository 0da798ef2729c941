import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { browserBundleProblems, nodeImportProblems, sourceAliases } from '../../../scripts/browserBundle.mjs';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('@tiefe/charts bundles for the browser (esbuild, esm and iife) with no error and no warning', async () => {
  // node: modules and Node-only packages are reached only through core's importNodeOnly, on Node code paths.
  expect(nodeImportProblems(fileURLToPath(new URL('../src', import.meta.url)))).toEqual([]);
  expect(await browserBundleProblems('@tiefe/charts', { alias: sourceAliases(root) })).toEqual([]);
});
