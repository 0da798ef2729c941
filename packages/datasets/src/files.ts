import { InputError, importNodeOnly, isNode } from '@tiefe/core';
import { DownloadError } from './errors.js';

/**
 * Platform-neutral file access. In Node, paths are read with node:fs (loaded on demand, so that browser
 * bundles never see it); in the browser, or for http(s) URLs, they are fetched.
 */

/** True for `http://` and `https://` locations, which are always fetched. */
export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Joins a folder (path or URL) and a relative name with a single '/'. */
export function joinLocation(folder: string, name: string): string {
  return folder.endsWith('/') || folder.endsWith('\\') ? folder + name : `${folder}/${name}`;
}

/** Reads a whole file (Node path) or URL into bytes. */
export async function readBytes(location: string): Promise<Uint8Array> {
  if (isNode && !isUrl(location)) {
    const fs = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
    const buf = await fs.readFile(location);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const res = await fetch(location);
  if (!res.ok) throw new DownloadError(location, [`HTTP ${res.status} ${res.statusText}`.trim()]);
  return new Uint8Array(await res.arrayBuffer());
}

/** Whether a file exists (Node path) or answers a HEAD request with 2xx (URL or browser). */
export async function exists(location: string): Promise<boolean> {
  if (isNode && !isUrl(location)) {
    const fs = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
    try {
      return (await fs.stat(location)).isFile();
    } catch {
      return false;
    }
  }
  try {
    return (await fetch(location, { method: 'HEAD' })).ok;
  } catch {
    return false;
  }
}

/**
 * Lists the entries of a Node folder (names, sorted). In the browser, or for a URL, folders cannot be listed:
 * an InputError names the argument (`name`, e.g. `'loadImageFolder: dir'`) that should have been a list of files.
 */
export async function listFolder(folder: string, name: string): Promise<{ name: string; isDir: boolean }[]> {
  if (!isNode || isUrl(folder)) {
    throw new InputError(name, 'a folder path in Node (in the browser or for a URL, pass a list of files)', folder);
  }
  const fs = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
  const entries = await fs.readdir(folder, { withFileTypes: true });
  return entries
    .map((e) => ({ name: e.name, isDir: e.isDirectory() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
