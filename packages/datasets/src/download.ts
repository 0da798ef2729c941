import { importNodeOnly } from '@tiefe/core';
import { DatasetHashError, DownloadError } from './errors.js';
import { fetchErrorReason } from './files.js';
import type { RemoteFile } from './registry.js';

/**
 * Node-only downloading into the cache: resumable `.part` files (HTTP Range), SHA-256 verification, then an
 * atomic rename, so that no partial or corrupt file ever sits under its final name. node: modules are
 * imported on demand so that browser bundles can include this file without them.
 */

/** Called as bytes arrive: `received` of `total` bytes of `file`. */
export type ProgressFn = (received: number, total: number, file: string) => void;

/** Options of {@link downloadFile}. */
export interface DownloadOptions {
  /** Progress callback; default: a progress bar on stderr. `false` disables it. */
  onProgress?: ProgressFn | false;
  /** Abort a transfer that delivers no data for this many milliseconds (default 30,000). */
  stallTimeoutMs?: number;
  /**
   * Give up on a URL whose transfer takes longer than this in all (a trickle of a byte every few seconds never
   * stalls). Default: 10 minutes, or the time the file takes at 50 kB/s when that is longer.
   */
  deadlineMs?: number;
}

async function node() {
  const [fsp, path, crypto, fs] = await Promise.all([
    importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises'),
    importNodeOnly<typeof import('node:path')>('node:path'),
    importNodeOnly<typeof import('node:crypto')>('node:crypto'),
    importNodeOnly<typeof import('node:fs')>('node:fs'),
  ]);
  return { fsp, path, crypto, fs };
}

/** Default cache root: `TIEFE_DATA_DIR`, else `$XDG_CACHE_HOME/tiefe`, else `~/.cache/tiefe`. */
export async function defaultCacheDir(): Promise<string> {
  const env = process.env;
  if (env.TIEFE_DATA_DIR) return env.TIEFE_DATA_DIR;
  const { path } = await node();
  const os = await importNodeOnly<typeof import('node:os')>('node:os');
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tiefe');
}

/** SHA-256 (hex) of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const { crypto, fs } = await node();
  const hash = crypto.createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return hash.digest('hex');
}

/** A one-line progress bar on stderr, redrawn at most every 1% (or once per 1 MB when the size is unknown). */
export function stderrProgress(): ProgressFn {
  let last = -1;
  return (received, total, file) => {
    const pct = total > 0 ? Math.floor((100 * received) / total) : Math.floor(received / 1e6);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = total > 0 ? Math.round((width * received) / total) : 0;
    const bar = `[${'#'.repeat(filled)}${' '.repeat(width - filled)}]`;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    process.stderr.write(`\r${bar} ${total > 0 ? `${pct}%` : ''} ${file} ${mb(received)}/${mb(total)} MB`);
    if (total > 0 && received >= total) process.stderr.write('\n');
  };
}

/**
 * Downloads `file` into `folder` unless it is already there (files only get their final name after the hash
 * check, so an existing one is trusted), trying its URLs in order. A `<name>.part`
 * left by an interrupted transfer is resumed with an HTTP Range request. The finished `.part` is hashed; on a
 * match it is renamed to its final name, on a mismatch it is deleted and the next URL is tried.
 *
 * @returns the path of the verified file.
 * @throws {@link DatasetHashError} when a URL delivered a file with the wrong hash and no URL delivered the
 * right one; {@link DownloadError} when every URL failed otherwise (the `.part` stays for resuming).
 */
export async function downloadFile(file: RemoteFile, folder: string, options: DownloadOptions = {}): Promise<string> {
  const { fsp, path } = await node();
  await fsp.mkdir(folder, { recursive: true });
  const final = path.join(folder, file.name);
  const part = `${final}.part`;
  const isFile = (p: string) =>
    fsp.stat(p).then(
      (st) => st.isFile(),
      () => false,
    );
  // A file under its final name was verified when it got there (rename happens only after the hash check).
  if (await isFile(final)) return final;
  const stallMs = options.stallTimeoutMs ?? 30_000;
  const deadlineMs = options.deadlineMs ?? Math.max(600_000, (file.size / 50_000) * 1000);
  // One downloader per file: a second caller (another loader, another process) waits for the first.
  if ((await lockDownload(`${final}.lock`, part, stallMs, deadlineMs, () => isFile(final))) === 'done') return final;
  try {
    if (await isFile(final)) return final;
    const progress = options.onProgress === false ? undefined : (options.onProgress ?? stderrProgress());
    const attempts: string[] = [];
    let hashError: DatasetHashError | undefined;
    for (const url of file.urls) {
      try {
        await fetchToPart(url, part, file, progress, stallMs, deadlineMs);
      } catch (e) {
        attempts.push(`${url}: ${fetchErrorReason(e)}`);
        continue;
      }
      const actual = await sha256File(part);
      if (actual !== file.sha256) {
        await fsp.rm(part, { force: true });
        hashError = new DatasetHashError(`${file.name} (from ${url})`, file.sha256, actual);
        attempts.push(`${url}: ${hashError.message}`);
        continue;
      }
      await fsp.rename(part, final);
      return final;
    }
    throw hashError ?? new DownloadError(file.name, attempts);
  } finally {
    await fsp.rm(`${final}.lock`, { force: true });
  }
}

/**
 * Takes the download lock `lock` (created exclusively), or waits while another downloader holds it: until
 * `done()` (the file arrived: 'done'), or until the holder looks dead (neither the lock nor the `.part` changed
 * for `stallMs`), when the lock is taken over. Waiting longer than `deadlineMs` throws {@link DownloadError}.
 */
async function lockDownload(
  lock: string,
  part: string,
  stallMs: number,
  deadlineMs: number,
  done: () => Promise<boolean>,
): Promise<'locked' | 'done'> {
  const { fsp } = await node();
  const started = Date.now();
  const mtime = (p: string) =>
    fsp.stat(p).then(
      (st) => st.mtimeMs,
      () => 0,
    );
  for (;;) {
    try {
      await (await fsp.open(lock, 'wx')).close();
      return 'locked';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await done()) return 'done';
    const lastSign = Math.max(await mtime(lock), await mtime(part));
    if (lastSign > 0 && Date.now() - lastSign > stallMs) {
      await fsp.rm(lock, { force: true }); // its holder crashed or hangs: take over
      continue;
    }
    if (Date.now() - started > deadlineMs) {
      throw new DownloadError(lock.slice(0, -'.lock'.length), [`another download held ${lock} for ${deadlineMs} ms`]);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function fetchToPart(
  url: string,
  part: string,
  file: RemoteFile,
  progress: ProgressFn | undefined,
  stallTimeoutMs: number,
  deadlineMs: number,
): Promise<void> {
  const { fsp } = await node();
  let start = 0;
  try {
    start = (await fsp.stat(part)).size;
  } catch {
    start = 0;
  }
  if (start >= file.size) {
    // Complete already (or longer than it can be): let the hash decide, or start over.
    if (start === file.size) return;
    start = 0;
  }
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${stallTimeoutMs} ms`)), stallTimeoutMs);
  };
  const deadline = setTimeout(
    () => controller.abort(new Error(`not complete after ${deadlineMs} ms (deadlineMs)`)),
    deadlineMs,
  );
  arm();
  try {
    const res = await fetch(url, {
      headers: start > 0 ? { Range: `bytes=${start}-` } : {},
      signal: controller.signal,
      redirect: 'follow',
    });
    let append = false;
    if (res.status === 206 && start > 0) {
      const range = res.headers.get('content-range') ?? '';
      if (!range.startsWith(`bytes ${start}-`))
        throw new Error(`unexpected Content-Range '${range}' for bytes=${start}-`);
      append = true;
    } else if (!res.ok) {
      throw new Error(`HTTP ${res.status} ${res.statusText}`);
    }
    if (!res.body) throw new Error('empty response body');
    let received = append ? start : 0;
    const handle = await fsp.open(part, append ? 'a' : 'w');
    let tooLong = false;
    try {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        if (received + value.length > file.size) {
          // An endless or wrong body: never grow the .part past the size the data set lists.
          tooLong = true;
          await reader.cancel().catch(() => undefined);
          break;
        }
        await handle.write(value);
        received += value.length;
        progress?.(received, file.size, file.name);
      }
    } finally {
      await handle.close();
    }
    if (tooLong) {
      await fsp.rm(part, { force: true });
      throw new Error(`the server sent more than the ${file.size} bytes the file has`);
    }
    if (received !== file.size) throw new Error(`transfer ended after ${received} of ${file.size} bytes`);
  } catch (e) {
    // An abort surfaces as a bare AbortError/'This operation was aborted': report why it was aborted.
    if (controller.signal.aborted) throw controller.signal.reason;
    throw e;
  } finally {
    clearTimeout(timer);
    clearTimeout(deadline);
  }
}
