import { readdirSync, writeFileSync } from 'node:fs';
import type * as fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '@tiefe/core';
import { describe, expect, it, vi } from 'vitest';
import { extractTar } from '../src/index.js';
import { tempDir, writeTar } from './helpers.js';

// A full disk while writing one member: handles opened for a path containing `failOn.name` fail `writeFile`.
const failOn: { name: string | undefined } = { name: undefined };
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof fsPromises>();
  const open = async (path: Parameters<typeof real.open>[0], ...rest: unknown[]) => {
    const handle = await (real.open as (...a: unknown[]) => ReturnType<typeof real.open>)(path, ...rest);
    if (!failOn.name || !String(path).includes(failOn.name)) return handle;
    return new Proxy(handle, {
      get(target, key) {
        if (key === 'writeFile')
          return async () => {
            throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), {
              code: 'ENOSPC',
            });
          };
        const v = Reflect.get(target, key);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  return { ...real, open, default: { ...real, open } };
});

describe('extractTar leaves nothing behind when a write fails midway', () => {
  it('removes its temporary file and every file and folder it created; keeps what was there', async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'mine.txt'), 'keep');
      const tar = writeTar([
        { path: 'a/one.bin', bytes: new Uint8Array([1]) },
        { path: 'a/b/two.bin', bytes: new Uint8Array([2]) },
        { path: 'a/b/three.bin', bytes: new Uint8Array([3]) },
      ]);
      failOn.name = 'three.bin';
      const err = await extractTar(tar, t.dir).catch((e) => e);
      failOn.name = undefined;
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toMatch(/extractTar: target: expected a writable folder \(ENOSPC\)/);
      expect(readdirSync(t.dir, { recursive: true })).toEqual(['mine.txt']);
    } finally {
      failOn.name = undefined;
      t.cleanup();
    }
  });
});
