import { TiefeError } from '../errors.js';
import { importNodeOnly, isNode } from '../platform.js';

/** Node's file system and path modules, as the file IO of core uses them. */
export interface NodeFs {
  fs: typeof import('node:fs/promises');
  path: typeof import('node:path');
}

/**
 * Loads `node:fs/promises` and `node:path` through {@link importNodeOnly}. `caller` names the public function
 * for the error thrown outside Node (browsers have no file system: use `tf.io.browserDownloads` or IndexedDB).
 */
export async function nodeFs(caller: string): Promise<NodeFs> {
  if (!isNode)
    throw new TiefeError(`${caller}: needs Node's file system; in a browser use tf.io's indexeddb:// or downloads://`);
  const [fs, path] = await Promise.all([
    importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises'),
    importNodeOnly<typeof import('node:path')>('node:path'),
  ]);
  return { fs, path };
}
