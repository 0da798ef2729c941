import { gunzipSync, gzipSync } from 'fflate';
import { DatasetFormatError } from './errors.js';

/** True when `bytes` starts with the gzip magic number 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Inflates `bytes` when they are gzip (detected by magic number), otherwise returns them unchanged.
 * A gzip stream that does not inflate throws a {@link DatasetFormatError} naming `file`.
 */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  if (bytes.length < 18) {
    throw new DatasetFormatError(file, bytes.length, 'a gzip stream of at least 18 bytes', `${bytes.length} bytes`);
  }
  try {
    return gunzipSync(bytes);
  } catch (e) {
    // fflate reports no offset; the stream is bad somewhere after the 10-byte header.
    throw new DatasetFormatError(file, 10, 'a gzip stream that inflates', `inflate error: ${(e as Error).message}`);
  }
}

/** Gzips `bytes` (level 6), used to write fixture files in the official `.gz` form. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 6 });
}
