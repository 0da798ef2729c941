import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '@tiefe/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadCityscapes, loadImageFolder, loadNiftiFolder, writeNifti } from '../src/index.js';
import { tempDir } from './helpers.js';

// The package as a browser bundle sees it: core's isNode is false (core's own modules, which import their
// platform file directly, keep running as in Node). Everything else stays the real module.
vi.mock('@tiefe/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@tiefe/core')>()),
  isNode: false,
}));

// Real folders that Node could list: only the browser branch refuses them.
const t = tempDir();
afterAll(() => t.cleanup());
mkdirSync(join(t.dir, 'cats'));
mkdirSync(join(t.dir, 'imagesTr'));
mkdirSync(join(t.dir, 'labelsTr'));
mkdirSync(join(t.dir, 'leftImg8bit', 'train', 'bonn'), { recursive: true });
writeFileSync(join(t.dir, 'imagesTr', 'a.nii'), writeNifti(new Uint8Array(8), [2, 2, 2]));
writeFileSync(join(t.dir, 'labelsTr', 'a.nii'), writeNifti(new Uint8Array(8), [2, 2, 2]));

/** The InputError that `p` rejects with. */
async function inputError(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('folder loaders in the browser', () => {
  it('refuse to list a folder, naming the function and its argument and asking for a list of files', async () => {
    const cases: [string, () => Promise<unknown>][] = [
      ['loadImageFolder: dir', () => loadImageFolder({ dir: t.dir })],
      ['loadNiftiFolder: dir', () => loadNiftiFolder({ dir: t.dir })],
      ['loadCityscapes: dir', () => loadCityscapes({ dir: t.dir })],
    ];
    for (const [input, call] of cases) {
      const err = await inputError(call());
      expect(err.input).toBe(input);
      expect(err.expected).toMatch(/in the browser or for a URL, pass a list of files/);
      expect(err.got.startsWith(t.dir)).toBe(true);
    }
  });
});
