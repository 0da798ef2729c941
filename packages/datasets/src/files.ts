import { InputError, importNodeOnly, isNode } from '@tiefe/core';
import { DownloadError } from './errors.js';
import { concatBytes } from './typedArrays.js';

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

/**
 * Milliseconds a network read may go without progress (no response, or no data arriving) before it is
 * aborted: 30 s, or `TIEFE_NETWORK_TIMEOUT_MS`. A server that never answers must not hang a loader.
 */
export function networkTimeoutMs(): number {
  const env = typeof process !== 'undefined' ? Number(process.env?.TIEFE_NETWORK_TIMEOUT_MS) : Number.NaN;
  return Number.isFinite(env) && env > 0 ? env : 30_000;
}

/**
 * The message of a failed fetch with its causes ('fetch failed: redirect count exceeded'): undici reports
 * only 'fetch failed' and keeps the reason in `cause`.
 */
export function fetchErrorReason(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e; c instanceof Error && parts.length < 4; c = (c as { cause?: unknown }).cause) {
    if (!parts.includes(c.message)) parts.push(c.message);
  }
  return parts.join(': ') || String(e);
}

/** Fetches `url`, aborting when the response or any chunk of its body takes longer than `stallMs`. */
async function fetchBytes(url: string, stallMs: number): Promise<Uint8Array> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${stallMs} ms`)), stallMs);
  };
  arm();
  try {
    const res = await fetch(url, { signal: controller.signal });
    if (!res.ok) throw new DownloadError(url, [`HTTP ${res.status} ${res.statusText}`.trim()]);
    if (!res.body) return new Uint8Array(0);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      chunks.push(value);
      total += value.length;
    }
    return concatBytes(chunks, total);
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    const reason = controller.signal.aborted ? fetchErrorReason(controller.signal.reason) : fetchErrorReason(e);
    throw new DownloadError(url, [reason]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a whole file (Node path) or URL into bytes. A URL read that makes no progress for
 * {@link networkTimeoutMs} is aborted with a {@link DownloadError} giving the reason.
 */
export async function readBytes(location: string): Promise<Uint8Array> {
  if (isNode && !isUrl(location)) {
    const fs = await importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises');
    const buf = await fs.readFile(location);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return fetchBytes(location, networkTimeoutMs());
}

/**
 * Whether a file exists (Node path) or answers a HEAD request with 2xx (URL or browser) within
 * {@link networkTimeoutMs}; a server that does not answer in time counts as not having it.
 */
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
    return (await fetch(location, { method: 'HEAD', signal: AbortSignal.timeout(networkTimeoutMs()) })).ok;
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
