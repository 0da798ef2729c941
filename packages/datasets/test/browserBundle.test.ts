import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('browser bundle', () => {
  it('bundles for the browser without Node built-ins or Node-only decoders', async () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      external: ['@tensorflow/*', '@tiefe/core'],
      logLevel: 'silent',
      metafile: true,
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    // node: modules, pngjs and jpeg-js are reached only through importNodeOnly(specifier) at run time.
    expect(code).not.toMatch(/from\s*["']node:/);
    expect(code).not.toMatch(/require\(["']node:/);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((f) => f.includes('node_modules/fflate'))).toBe(true);
    expect(inputs.filter((f) => /node_modules\/(pngjs|jpeg-js)\//.test(f))).toEqual([]);
    expect(code).toContain('createImageBitmap');
  });
});
