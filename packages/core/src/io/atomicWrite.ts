/**
 * Atomic writes in Node: a reader (or a crash) never sees a half-written file or folder under its final name.
 * Files are written to a temporary sibling and fsynced, then renamed into place. Node modules come through
 * {@link nodeFs} only.
 */
import { type NodeFs, nodeFs } from './nodeFs.js';

/** What {@link writeFolderAtomic} writes: file names inside the folder and their contents, in writing order. */
export type FolderFiles = ReadonlyArray<readonly [name: string, data: Uint8Array | string]>;

/** Options of {@link writeFolderAtomic}. */
export interface FolderWriteOptions {
  /** The public function, for error messages. */
  caller: string;
  /**
   * Called when the folder exists, before anything is written; throws when it must not be replaced (a folder
   * holding the user's other files).
   */
  checkReplaceable: (fs: NodeFs, dir: string) => Promise<void>;
}

function randomSuffix(): string {
  // Not Math.random: seed() makes it deterministic, and two processes may write beside each other.
  return globalThis.crypto.randomUUID().slice(0, 8);
}

/** Writes and fsyncs a file, so that a crash after a rename cannot leave it empty. */
async function writeDurable(fs: NodeFs['fs'], file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Best effort: makes the renames inside `dir` durable (not every platform can fsync a folder). */
async function syncFolder(fs: NodeFs['fs'], dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows cannot open a folder for fsync; the rename is still atomic there.
  }
}

/** Writes one file atomically: to `<file>.tmp-<random>` in the same folder, fsynced, then renamed to `file`. */
export async function writeFileAtomic(file: string, data: Uint8Array | string, caller: string): Promise<void> {
  const { fs, path } = await nodeFs(caller);
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${randomSuffix()}`;
  try {
    await writeDurable(fs, tmp, data);
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await syncFolder(fs, path.dirname(target));
}

/**
 * Replaces folder `dir` by one holding exactly `files`, atomically: they are written (in order; the last one
 * marks the folder complete, see {@link recoverFolder}) into `<dir>.tmp-<random>` beside it; then an existing
 * `dir` is renamed to `<dir>.old-<random>`, the new folder renamed to `dir`, and the old one deleted. A failed
 * write removes the temporary folder and leaves `dir` untouched; a crash between the two renames is finished
 * by {@link recoverFolder}. Returns the absolute path of `dir`.
 */
export async function writeFolderAtomic(dir: string, files: FolderFiles, options: FolderWriteOptions): Promise<string> {
  const node = await nodeFs(options.caller);
  const { fs, path } = node;
  const target = path.resolve(dir);
  const exists = await fs.stat(target).then(
    () => true,
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return false;
      throw e;
    },
  );
  if (exists) await options.checkReplaceable(node, target);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${randomSuffix()}`;
  await fs.mkdir(tmp);
  try {
    for (const [name, data] of files) await writeDurable(fs, path.join(tmp, name), data);
    await syncFolder(fs, tmp);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  // A folder cannot be renamed over a non-empty folder, so the old one moves aside first.
  let old: string | undefined;
  if (exists) {
    old = `${target}.old-${randomSuffix()}`;
    try {
      await fs.rename(target, old);
    } catch (e) {
      await fs.rm(tmp, { recursive: true, force: true });
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      old = undefined; // removed meanwhile by someone else: nothing to move aside
    }
  }
  try {
    await fs.rename(tmp, target);
  } catch (e) {
    if (old) await fs.rename(old, target);
    await fs.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  await syncFolder(fs, path.dirname(target));
  if (old) await fs.rm(old, { recursive: true, force: true });
  await removeStaleSiblings(node, target);
  return target;
}

/**
 * A temporary folder untouched this long belongs to a writer that crashed or was killed (a live one adds a
 * file every few seconds at most), not to a save running now in another process.
 */
export const STALE_FOLDER_MS = 60 * 60 * 1000;

/**
 * Best effort, after a successful write of `target`: deletes the `<target>.tmp-*` and `<target>.old-*`
 * folders that crashed writers left (their data is superseded by `target`), once they are
 * {@link STALE_FOLDER_MS} old, so that killed saves do not pile up copies of a model beside it.
 */
async function removeStaleSiblings({ fs, path }: NodeFs, target: string): Promise<void> {
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return;
  }
  const now = Date.now();
  for (const name of names) {
    if (!/^(tmp|old)-[0-9a-f]+$/.test(name.slice(base.length + 1)) || !name.startsWith(`${base}.`)) continue;
    const sibling = path.join(parent, name);
    try {
      const st = await fs.lstat(sibling);
      if (st.isDirectory() && now - st.mtimeMs > STALE_FOLDER_MS)
        await fs.rm(sibling, { recursive: true, force: true });
    } catch {
      // removed meanwhile, or not ours to remove
    }
  }
}

/**
 * Finishes a {@link writeFolderAtomic} that a crash interrupted between its two renames: when `dir` is
 * missing but complete siblings `<dir>.tmp-*` / `<dir>.old-*` exist (complete: file `marker`, written last,
 * is there), the newest one (by the time `marker` was written) is renamed to `dir`. Returns whether `dir`
 * exists afterwards.
 */
export async function recoverFolder(dir: string, marker: string, caller: string): Promise<boolean> {
  const { fs, path } = await nodeFs(caller);
  const target = path.resolve(dir);
  if (
    await fs.stat(target).then(
      () => true,
      () => false,
    )
  )
    return true;
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[];
  try {
    names = await fs.readdir(parent);
  } catch {
    return false;
  }
  let best: { dir: string; written: number } | undefined;
  for (const name of names) {
    if (!name.startsWith(`${base}.tmp-`) && !name.startsWith(`${base}.old-`)) continue;
    const candidate = path.join(parent, name);
    const written = await fs.stat(path.join(candidate, marker)).then(
      (s) => s.mtimeMs,
      () => undefined, // incomplete: its writer crashed before the marker
    );
    if (written !== undefined && (!best || written > best.written)) best = { dir: candidate, written };
  }
  if (!best) return false;
  await fs.rename(best.dir, target);
  return true;
}
