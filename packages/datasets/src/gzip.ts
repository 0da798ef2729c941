import { crc32 } from '@tiefe/core';
import { Gunzip, gzipSync } from 'fflate';
import { DatasetFormatError } from './errors.js';
import { concatBytes } from './typedArrays.js';

/** True when `bytes` starts with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Options of {@link maybeGunzip}. */
export interface GunzipOptions {
  /**
   * Refuse to inflate to more than this many bytes (default 1 GiB): a few hundred bytes of gzip can claim
   * gigabytes. Loaders pass a tighter limit derived from the format (see `limit`).
   */
  maxBytes?: number;
  /**
   * The size the format allows, derived from the first inflated bytes (an IDX or NIfTI header): called with
   * the output so far until it returns a number, which then caps the output (with `maxBytes`).
   */
  limit?: (head: Uint8Array) => number | undefined;
}

/** The default cap of {@link maybeGunzip}: 1 GiB. */
export const DEFAULT_MAX_GUNZIP_BYTES = 2 ** 30;

/** Input is fed to the inflater in pieces this large, so that one piece can never inflate to much (~4 MiB). */
const CHUNK = 4 * 1024;
/** `limit` is asked until this much output is there (headers are smaller), then no more. */
const LIMIT_HEAD_BYTES = 64 * 1024;

/**
 * Inflates `bytes` when they are gzip (detected by magic number), otherwise returns them unchanged. Every
 * member of a multi-member stream is read (concatenated `.gz` files are valid gzip), and each member's
 * CRC-32 and ISIZE trailer is verified, so a flipped byte is an error, never altered data. The output is
 * capped (`maxBytes`, `limit`) while inflating; the trailer's ISIZE is never trusted for an allocation.
 * A bad stream throws a {@link DatasetFormatError} naming `file` and the offset of the failing member.
 */
export function maybeGunzip(bytes: Uint8Array, file: string, options: GunzipOptions = {}): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  if (bytes.length < 18) {
    throw new DatasetFormatError(file, bytes.length, 'a gzip stream of at least 18 bytes', `${bytes.length} bytes`);
  }
  let cap = options.maxBytes ?? DEFAULT_MAX_GUNZIP_BYTES;
  let limited = options.limit === undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Members: start offsets in `bytes`, and the CRC and size of the output of the current one.
  let memberStart = 0;
  let crc = 0;
  let memberSize = 0;
  const fail = (offset: number, expected: string, got: string): never => {
    throw new DatasetFormatError(file, offset, expected, got);
  };
  const checkTrailer = (end: number) => {
    // The 8-byte trailer ends where the next member starts (or the input ends).
    if (end - 8 < memberStart + 10) fail(memberStart, 'a gzip member with its 8-byte trailer', 'a truncated member');
    const view = new DataView(bytes.buffer, bytes.byteOffset + end - 8, 8);
    const wantCrc = view.getUint32(0, true);
    const wantSize = view.getUint32(4, true);
    const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
    if (wantCrc !== crc) {
      fail(
        end - 8,
        `data matching the stored CRC-32 ${hex(wantCrc)}`,
        `CRC-32 ${hex(crc)} for the member from byte ${memberStart} (corrupt data)`,
      );
    }
    if (wantSize !== memberSize % 2 ** 32) {
      fail(
        end - 4,
        `the stored ISIZE ${wantSize}`,
        `${memberSize} inflated bytes for the member from byte ${memberStart} (corrupt or truncated)`,
      );
    }
  };
  const inflater = new Gunzip((data) => {
    total += data.length;
    if (total > cap) {
      fail(memberStart, `at most ${cap} inflated bytes (maxBytes; what the format needs)`, 'more (a gzip bomb?)');
    }
    crc = crc32(data, crc);
    memberSize += data.length;
    chunks.push(data);
    if (!limited && options.limit) {
      const head = chunks.length === 1 ? chunks[0] : concatBytes(chunks, total);
      const n = options.limit(head);
      if (n !== undefined) {
        limited = true;
        cap = Math.min(cap, n);
        if (total > cap)
          fail(memberStart, `at most ${cap} inflated bytes (what its header declares, or no valid header)`, 'more');
      }
    }
    if (!limited && total > LIMIT_HEAD_BYTES) limited = true; // headers are small: stop asking
  });

  inflater.onmember = (offset) => {
    checkTrailer(offset);
    memberStart = offset;
    crc = 0;
    memberSize = 0;
  };
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const end = Math.min(at + CHUNK, bytes.length);
      inflater.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (e) {
    if (e instanceof DatasetFormatError) throw e;
    fail(memberStart, 'a gzip member that inflates', `inflate error: ${(e as Error).message}`);
  }
  checkTrailer(bytes.length);
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks, total);
}

/** Gzips `bytes` (level 6), used to write fixture files in the official `.gz` form. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 6 });
}
