import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '@tiefe/core';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, extractTar, readTar } from '../src/index.js';
import { tempDir, writeTar } from './helpers.js';

const one = new Uint8Array([1, 2, 3]);

/** Every name under `dir`, recursively, relative ('a/b'). */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('readTar refuses archives that would extract wrongly', () => {
  it('a truncated archive (cut at a block boundary, no end-of-archive block)', () => {
    const tar = writeTar([
      { path: 'a', bytes: one },
      { path: 'b', bytes: one },
    ]);
    // header + data of 'a' and the header of 'b': a cut that the old reader returned as ['a'] without error
    expect(() => readTar(tar.subarray(0, 1024), { name: 't.tar' })).toThrow(/t\.tar at byte 1024: .*truncated archive/);
    expect(() => readTar(tar.subarray(0, 2048))).toThrow(/truncated archive/);
    expect(readTar(tar).map((e) => e.path)).toEqual(['a', 'b']);
  });
  it('a name twice, and a file where a folder is needed (or the reverse)', () => {
    expect(() =>
      readTar(
        writeTar([
          { path: 'a', bytes: one },
          { path: './a', bytes: new Uint8Array([9]) },
        ]),
      ),
    ).toThrow(/each path once.*'\.\/a' as a file, but 'a' is already a file/);
    expect(() =>
      readTar(
        writeTar([
          { path: 'a', bytes: one },
          { path: 'a/b', bytes: one },
        ]),
      ),
    ).toThrow(DatasetFormatError);
    expect(() =>
      readTar(
        writeTar([
          { path: 'd/x', bytes: one },
          { path: 'd', bytes: one },
        ]),
      ),
    ).toThrow(/'d' is already a directory/);
    // a folder named again is fine
    expect(
      readTar(
        writeTar([
          { path: 'd/', type: '5' },
          { path: 'd/x', bytes: one },
          { path: 'd', type: '5' },
        ]),
      ).length,
    ).toBe(3);
  });
  it('a path component too long for the file system', () => {
    expect(() => readTar(writeTar([{ path: 'n'.repeat(99), bytes: one }]))).not.toThrow();
    // A GNU long name ('L' member) of 300 characters in one component
    const long = writeTar([
      { path: '././@LongLink', type: 'L' as '0', bytes: new TextEncoder().encode('z'.repeat(300)) },
      { path: 'short', bytes: one },
    ]);
    expect(() => readTar(long)).toThrow(/path components of at most 255 bytes, got 300 bytes/);
  });
});

describe('extractTar writes only inside the target', () => {
  it('refuses an existing symbolic link inside the target (target/sub -> elsewhere)', async () => {
    const t = tempDir();
    try {
      const target = join(t.dir, 'target');
      const elsewhere = join(t.dir, 'elsewhere');
      mkdirSync(target);
      mkdirSync(elsewhere);
      writeFileSync(join(elsewhere, 'victim'), 'keep me');
      symlinkSync(elsewhere, join(target, 'sub'));
      const err = await extractTar(writeTar([{ path: 'sub/victim', bytes: one }]), target).catch((e) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/extractTar: target: .*symbolic link/);
      expect(readFileSync(join(elsewhere, 'victim'), 'utf8')).toBe('keep me');
      // a link as the final name is refused as well (not replaced, not written through)
      symlinkSync(join(elsewhere, 'victim'), join(target, 'f'));
      await expect(extractTar(writeTar([{ path: 'f', bytes: one }]), target)).rejects.toThrow(/symbolic link/);
      expect(readFileSync(join(elsewhere, 'victim'), 'utf8')).toBe('keep me');
    } finally {
      t.cleanup();
    }
  });
  it('a member named like a temporary file does not collide with the temporary name of another', async () => {
    const t = tempDir();
    try {
      await extractTar(
        writeTar([
          { path: 'a.tmp', bytes: new Uint8Array([7]) },
          { path: 'a', bytes: one },
        ]),
        t.dir,
      );
      expect(Array.from(readFileSync(join(t.dir, 'a.tmp')))).toEqual([7]);
      expect(Array.from(readFileSync(join(t.dir, 'a')))).toEqual([1, 2, 3]);
      expect(tree(t.dir)).toEqual(['a', 'a.tmp']);
    } finally {
      t.cleanup();
    }
  });
  it('a clash with what is on disk throws a typed error before anything is written', async () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, 'x'));
      writeFileSync(join(t.dir, 'f'), 'file');
      const tar = writeTar([
        { path: 'first', bytes: one },
        { path: 'x', bytes: one }, // a file where a folder is
      ]);
      await expect(extractTar(tar, t.dir)).rejects.toThrow(InputError);
      await expect(
        extractTar(
          writeTar([
            { path: 'first', bytes: one },
            { path: 'f/g', bytes: one },
          ]),
          t.dir,
        ),
      ).rejects.toThrow(/a file where the archive has a folder/);
      expect(tree(t.dir)).toEqual(['f', 'x']); // no 'first', no temporary file
    } finally {
      t.cleanup();
    }
  });
  it('replaces existing files and creates folders, leaving no temporary files', async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'old'), 'old');
      const written = await extractTar(
        writeTar([
          { path: 'old', bytes: one },
          { path: 'd/e/f', bytes: one },
        ]),
        t.dir,
      );
      expect(written).toEqual([join(t.dir, 'old'), join(t.dir, 'd', 'e', 'f')]);
      expect(Array.from(readFileSync(join(t.dir, 'old')))).toEqual([1, 2, 3]);
      expect(tree(t.dir)).toEqual(['d', 'd/e', 'd/e/f', 'old']);
      expect(existsSync(join(t.dir, 'd', 'e', 'f'))).toBe(true);
    } finally {
      t.cleanup();
    }
  });
});
