import { importNodeOnly } from '@tiefe/core';
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

/**
 * Reads a (ustar, GNU or pax) tar archive in memory. Only regular files and directories are accepted:
 * symbolic and hard links, devices and FIFOs are refused, as are paths leaving the archive root and members
 * over `maxMemberBytes`, each with a {@link DatasetFormatError} naming the header offset.
 */
export function readTar(bytes: Uint8Array, options: ReadTarOptions = {}): TarEntry[] {
  const name = options.name ?? 'tar archive';
  const maxMember = options.maxMemberBytes ?? 2 ** 30;
  const out: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (at + 512 <= bytes.length) {
    const block = bytes.subarray(at, at + 512);
    if (block.every((b) => b === 0)) break; // end-of-archive marker
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
      if (path !== '')
        out.push({ path, type: type === '5' ? 'directory' : 'file', bytes: type === '5' ? new Uint8Array(0) : data });
    }
    at = next;
  }
  return out;
}

/**
 * Extracts an archive (already inflated) into `target` (Node only). Each file is written to `<file>.tmp` and
 * renamed, and every resolved path is checked to stay inside `target`.
 *
 * @returns the written file paths.
 */
export async function extractTar(bytes: Uint8Array, target: string, options: ReadTarOptions = {}): Promise<string[]> {
  const [fsp, path] = await Promise.all([
    importNodeOnly<typeof import('node:fs/promises')>('node:fs/promises'),
    importNodeOnly<typeof import('node:path')>('node:path'),
  ]);
  const root = path.resolve(target);
  const written: string[] = [];
  for (const entry of readTar(bytes, options)) {
    const dest = path.resolve(root, entry.path);
    if (dest !== root && !dest.startsWith(root + path.sep)) {
      throw new DatasetFormatError(options.name ?? 'tar archive', 0, `paths inside ${root}`, entry.path);
    }
    if (entry.type === 'directory') {
      await fsp.mkdir(dest, { recursive: true });
      continue;
    }
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    await fsp.writeFile(`${dest}.tmp`, entry.bytes);
    await fsp.rename(`${dest}.tmp`, dest);
    written.push(dest);
  }
  return written;
}
