/**
 * Lets a test make one file write fail, as a full disk or a crash would. A test file mocks `node:fs/promises`
 * with this module (the factory imports it, so the test and the mock share one `failure`):
 *
 * ```ts
 * vi.mock('node:fs/promises', async (importOriginal) =>
 *   (await import('./failingWrites.js')).withFailingWrites(await importOriginal()),
 * );
 * ```
 */
import type * as fsPromises from 'node:fs/promises';

/** While `file` is set, `writeFile` on a handle opened for a path ending in `file` throws ENOSPC. */
export const failure: { file: string | undefined } = { file: undefined };

/** `node:fs/promises` whose `open` returns handles that fail their `writeFile` as `failure` says. */
export function withFailingWrites(real: typeof fsPromises): typeof fsPromises & { default: typeof fsPromises } {
  const open: typeof real.open = async (path, ...rest) => {
    const handle = await real.open(path, ...rest);
    if (failure.file && String(path).endsWith(failure.file)) {
      return new Proxy(handle, {
        get(target, key) {
          if (key === 'writeFile') {
            return async () => {
              throw Object.assign(new Error(`ENOSPC: no space left on device, write '${String(path)}'`), {
                code: 'ENOSPC',
              });
            };
          }
          const v = Reflect.get(target, key);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    }
    return handle;
  };
  return { ...real, open, default: { ...real, open } };
}
