import { importNodeOnly, isNode } from '@tiefe/core';
import type { ProgressFn } from './download.js';
import { DatasetHashError, DatasetMissingError, DownloadError } from './errors.js';
import { exists, isUrl, joinLocation, readBytes } from './files.js';
import { type DatasetSpec, remoteFile } from './registry.js';

/** Where a named data set's files come from; shared by every `load*` function. */
export interface SourceOptions {
  /**
   * Folder (Node path, or URL base in the browser) holding the official file names. Default: the cache
   * folder `<TIEFE_DATA_DIR or ~/.cache/tiefe>/<dataset id>` in Node.
   */
  dir?: string;
  /** Fetch missing files from the official URLs (then mirrors) into `dir` or the cache (default false). */
  download?: boolean;
  /** Cache root used when `dir` is not given (default `TIEFE_DATA_DIR`, `$XDG_CACHE_HOME/tiefe`, `~/.cache/tiefe`). */
  cacheDir?: string;
  /** Download progress callback; default a progress bar on stderr; `false` for silence. */
  onProgress?: ProgressFn | false;
}

/** One file as read: its official name, where it was read from, and its bytes. */
export interface SourceFile {
  name: string;
  location: string;
  bytes: Uint8Array;
}

/**
 * Finds the files `names` of `spec` and reads them. Missing files are downloaded (verified, atomically) when
 * `download` is set; otherwise the call fails at once with a {@link DatasetMissingError} naming the files,
 * the folder to put them in and the URLs to get them from.
 */
export async function readDatasetFiles(
  spec: DatasetSpec,
  names: string[],
  options: SourceOptions,
): Promise<SourceFile[]> {
  const folder = await locateFiles(spec, names, options);
  return Promise.all(
    names.map(async (name) => {
      if (folder === null) {
        // Browser without a folder: fetch from the official URLs and verify the hash in memory.
        const bytes = await fetchVerified(spec, name);
        return { name, location: remoteFile(spec, name).urls[0], bytes };
      }
      const location = joinLocation(folder, name);
      return { name, location, bytes: await readBytes(location) };
    }),
  );
}

/**
 * Makes sure `names` exist in the folder the options point at (downloading if allowed) and returns that
 * folder, or `null` in the browser when the files are to be fetched from their official URLs.
 */
export async function locateFiles(spec: DatasetSpec, names: string[], options: SourceOptions): Promise<string | null> {
  if (!isNode) {
    if (options.dir) return options.dir;
    if (options.download) return null;
    throw new DatasetMissingError(
      spec.title,
      names,
      '(no dir given)',
      names.map((n) => remoteFile(spec, n).urls[0]),
    );
  }
  let folder = options.dir;
  if (!folder) {
    const { defaultCacheDir } = await import('./download.js');
    const { join } = await importNodeOnly<typeof import('node:path')>('node:path');
    folder = join(options.cacheDir ?? (await defaultCacheDir()), spec.id);
  }
  if (isUrl(folder)) return folder;
  const missing: string[] = [];
  for (const name of names) if (!(await exists(joinLocation(folder, name)))) missing.push(name);
  if (missing.length === 0) return folder;
  if (!options.download) {
    throw new DatasetMissingError(
      spec.title,
      missing,
      folder,
      missing.map((n) => remoteFile(spec, n).urls[0]),
    );
  }
  const { downloadFile } = await import('./download.js');
  for (const name of missing) {
    await downloadFile(remoteFile(spec, name), folder, { onProgress: options.onProgress });
  }
  return folder;
}

async function fetchVerified(spec: DatasetSpec, name: string): Promise<Uint8Array> {
  const file = remoteFile(spec, name);
  const attempts: string[] = [];
  let hashError: DatasetHashError | undefined;
  for (const url of file.urls) {
    let bytes: Uint8Array;
    try {
      bytes = await readBytes(url);
    } catch (e) {
      attempts.push(`${url}: ${(e as Error).message}`);
      continue;
    }
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    if (hex === file.sha256) return bytes;
    hashError = new DatasetHashError(`${name} (from ${url})`, file.sha256, hex);
  }
  throw hashError ?? new DownloadError(name, attempts);
}
