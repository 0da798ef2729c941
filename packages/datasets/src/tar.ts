import { InputError, importNodeOnly } from '@tiefe/core';
import { DatasetFormatError } from './errors.js';

/** One member of a tar archive, read in memory. */
export interface TarEntry {
  /** Normalised relative path ('a/b/c.bin'), never absolute and never containing '..'. */
  path: string;
  type: 'file' | 'directory';
  /** The member's bytes (a view into the archive, not a copy); empty for directories. */
  bytes: Uint8Array;
}

/** Options of {@link readTar}. */
export interface ReadTarOptions {
  /** Name used in error messages (default 'tar archive'). */
  name?: string;
  /** Refuse members larger than this many bytes (default 1 GiB). */
  maxMemberBytes?: number;
}

const decoder = new TextDecoder();

function field(block: Uint8Array, at: number, len: number): string {
  let end = at;
  while (end < at + len && block[end] !== 0) end++;
  return decoder.decode(block.subarray(at, end));
}

function octal(block: Uint8Array, at: number, len: number, name: string, offset: number): number {
  const s = field(block, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s))
    throw new DatasetFormatError(name, offset + at, 'an octal number in the tar header', `'${s}'`);
  return Number.parseInt(s, 8);
}

/**
 * Normalises a member path and refuses any that would leave the extraction folder: absolute paths, drive
 * letters, and '..' segments that climb above the root.
 */
export function safeMemberPath(raw: string, name: string, offset: number): string {
  const p = raw.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[a-zA-Z]:/.test(p)) {
    throw new DatasetFormatError(name, offset, 'a relative member path inside the target folder', `'${raw}'`);
  }
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw new DatasetFormatError(name, offset, 'a member path without ..', `'${raw}'`);
    parts.push(seg);
  }
  return parts.join('/');
}

/** Longest name of one path component most file systems accept (bytes of UTF-8). */
const MAX_COMPONENT_BYTES = 255;

/**
 * Reads a (ustar, GNU or pax) tar archive in memory. Only regular files and directories are accepted:
 * symbolic and hard links, devices and FIFOs are refused, as are paths leaving the archive root, members
 * over `maxMemberBytes`, a member named twice, a file where another member needs a folder (or the reverse),
 * path components longer than 255 bytes, and an archive that ends before its end-of-archive block
 * (truncated), each with a {@link DatasetFormatError} naming the header offset. The whole archive is
 * checked before anything is returned, so {@link extractTar} writes nothing for a bad archive.
 */
export function readTar(bytes: Uint8Array, options: ReadTarOptions = {}): TarEntry[] {
  const name = options.name ?? 'tar archive';
  const maxMember = options.maxMemberBytes ?? 2 ** 30;
  const out: TarEntry[] = [];
  // What each path is (an explicit member or a folder implied by a deeper member), to refuse clashes.
  const kinds = new Map<string, { type: 'file' | 'directory'; offset: number }>();
  const encoder = new TextEncoder();
  let at = 0;
  let ended = false;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (at + 512 <= bytes.length) {
    const block = bytes.subarray(at, at + 512);
    if (block.every((b) => b === 0)) {
      ended = true; // end-of-archive marker
      break;
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
    const stored = octal(block, 148, 8, name, at);
    if (stored !== sum) throw new DatasetFormatError(name, at + 148, `header checksum ${sum}`, String(stored));
    const size = octal(block, 124, 12, name, at);
    const type = String.fromCharCode(block[156] || 0x30);
    const dataAt = at + 512;
    const next = dataAt + Math.ceil(size / 512) * 512;
    if (dataAt + size > bytes.length) {
      throw new DatasetFormatError(
        name,
        bytes.length,
        `${size} bytes of member data from byte ${dataAt}`,
        'end of archive (truncated)',
      );
    }
    const data = bytes.subarray(dataAt, dataAt + size);
    if (type === 'L') {
      longName = decoder.decode(data).replace(/\0+$/, '');
    } else if (type === 'x') {
      for (const rec of decoder.decode(data).split('\n')) {
        const m = /^\d+ path=(.*)$/.exec(rec);
        if (m) paxPath = m[1];
      }
    } else if (type === 'g') {
      // global pax header: nothing we need
    } else {
      const magic = field(block, 257, 6);
      const prefix = magic.startsWith('ustar') ? field(block, 345, 155) : '';
      const raw = paxPath ?? longName ?? (prefix ? `${prefix}/${field(block, 0, 100)}` : field(block, 0, 100));
      longName = undefined;
      paxPath = undefined;
      if (type === '1' || type === '2') {
        throw new DatasetFormatError(
          name,
          at + 156,
          'regular files and directories only',
          `a ${type === '2' ? 'symbolic' : 'hard'} link '${raw}' -> '${field(block, 157, 100)}'`,
        );
      }
      if (type !== '0' && type !== '5' && type !== '7') {
        throw new DatasetFormatError(
          name,
          at + 156,
          'regular files and directories only',
          `member type '${type}' ('${raw}')`,
        );
      }
      const path = safeMemberPath(raw, name, at);
      if (size > maxMember) {
        throw new DatasetFormatError(
          name,
          at + 124,
          `members of at most ${maxMember} bytes`,
          `${size} bytes ('${raw}')`,
        );
      }
      if (path !== '') {
        const kind = type === '5' ? 'directory' : 'file';
        const parts = path.split('/');
        const long = parts.find((p) => encoder.encode(p).length > MAX_COMPONENT_BYTES);
        if (long !== undefined) {
          throw new DatasetFormatError(
            name,
            at,
            `path components of at most ${MAX_COMPONENT_BYTES} bytes`,
            `${encoder.encode(long).length} bytes in '${raw.slice(0, 80)}...'`,
          );
        }
        for (let i = 1; i <= parts.length; i++) {
          const sub = parts.slice(0, i).join('/');
          const want = i < parts.length ? 'directory' : kind;
          const seen = kinds.get(sub);
          if (seen && (seen.type !== want || want === 'file')) {
            throw new DatasetFormatError(
              name,
              at,
              'each path once, as a file or as a folder',
              `'${raw}' as a ${kind}, but '${sub}' is already a ${seen.type} (member at byte ${seen.offset})`,
            );
          }
          if (!seen) kinds.set(sub, { type: want, offset: at });
        }
        out.push({ path, type: kind, bytes: kind === 'directory' ? new Uint8Array(0) : data });
      }
    }
    at = next;
  }
  if (!ended) {
    throw new DatasetFormatError(
      name,
      at,
      'an end-of-archive block of 512 zero bytes',
      'end of data (truncated archive)',
    );
  }
  return out;
}

type NodeModules = { fsp: typeof import('node:fs/promises'); path: typeof import('node:path') };

/** lstat that answers undefined for a missing path. */
async function lstatOrNone({ fsp }: NodeModules, p: string) {
  try {
    return await fsp.lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Extracts an archive (already inflated) into `target` (Node only), refusing to write outside it:
 *
 * - the whole archive is read and checked first ({@link readTar}: paths, links, clashes, truncation), and then
 *   every path under `target` it will touch: none of its components may be a symbolic link (checked with
 *   lstat, so an existing `target/sub -> /elsewhere` cannot redirect a write), a file where a folder is
 *   needed or a folder where a file goes; a problem throws before anything is written;
 * - each file is written to a fresh, randomly named hidden sibling opened exclusively (`wx`, never through an
 *   existing file or link), then renamed over its final name;
 * - on any failure the temporary file and every file and folder this call created are removed again.
 *
 * `target` itself may be a symbolic link (the caller chose it).
 *
 * @returns the written file paths.
 */
export async function extractTar(bytes: Uint8Array, target: string, options: ReadTarOptions = {}): Promise<string[]> {
  const [fsp, path] = await Promise.all([
    importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises'),
    importNodeOnly<typeof import('node:path')>('node:path'),
  ]);
  const node: NodeModules = { fsp, path };
  const entries = readTar(bytes, options);
  const root = path.resolve(target);
  await fsp.mkdir(root, { recursive: true });
  const refuse = (p: string, what: string): never => {
    throw new InputError('extractTar: target', `a folder whose member paths hold no ${what}`, p);
  };

  // Check every path first: what exists, and that no component is a link or of the wrong kind.
  const state = new Map<string, 'missing' | 'file' | 'directory'>();
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (state.has(rel)) continue;
      const abs = path.join(root, ...parts.slice(0, i));
      if (abs !== root && !abs.startsWith(root + path.sep)) refuse(abs, 'path outside the target');
      const parentMissing = i > 1 && state.get(parts.slice(0, i - 1).join('/')) === 'missing';
      const st = parentMissing ? undefined : await lstatOrNone(node, abs);
      const want = i < parts.length ? 'directory' : entry.type;
      if (!st) state.set(rel, 'missing');
      else if (st.isSymbolicLink()) refuse(`${abs} (a symbolic link)`, 'symbolic link');
      else if (st.isDirectory()) {
        if (want === 'file') refuse(`${abs} (a folder where the archive has a file)`, 'folder in place of a file');
        state.set(rel, 'directory');
      } else if (st.isFile()) {
        if (want === 'directory') refuse(`${abs} (a file where the archive has a folder)`, 'file in place of a folder');
        state.set(rel, 'file');
      } else refuse(`${abs} (neither a file nor a folder)`, 'special file');
    }
  }

  const createdDirs: string[] = [];
  const createdFiles: string[] = [];
  const written: string[] = [];
  let tmp: string | undefined;
  const ensureDir = async (rel: string) => {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const sub = parts.slice(0, i).join('/');
      if (state.get(sub) !== 'missing') continue;
      const abs = path.join(root, ...parts.slice(0, i));
      await fsp.mkdir(abs); // not recursive: fails (EEXIST) rather than follow anything created meanwhile
      createdDirs.push(abs);
      state.set(sub, 'directory');
    }
  };
  try {
    for (const entry of entries) {
      if (entry.type === 'directory') {
        await ensureDir(entry.path);
        continue;
      }
      const dest = path.join(root, ...entry.path.split('/'));
      const slash = entry.path.lastIndexOf('/');
      if (slash > 0) await ensureDir(entry.path.slice(0, slash));
      tmp = path.join(
        path.dirname(dest),
        `.${path.basename(dest).slice(0, 100)}.${globalThis.crypto.randomUUID()}.tiefe-tmp`,
      );
      const handle = await fsp.open(tmp, 'wx');
      try {
        await handle.writeFile(entry.bytes);
      } finally {
        await handle.close();
      }
      await fsp.rename(tmp, dest);
      tmp = undefined;
      if (state.get(entry.path) === 'missing') createdFiles.push(dest);
      state.set(entry.path, 'file');
      written.push(dest);
    }
  } catch (e) {
    if (tmp) await fsp.rm(tmp, { force: true }).catch(() => undefined);
    for (const f of createdFiles) await fsp.rm(f, { force: true }).catch(() => undefined);
    for (const d of createdDirs.reverse()) await fsp.rmdir(d).catch(() => undefined);
    if (e instanceof InputError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new InputError(
      'extractTar: target',
      `a writable folder (${err.code ?? 'error'})`,
      `${err.path ?? root}: ${err.message}`,
    );
  }
  return written;
}
