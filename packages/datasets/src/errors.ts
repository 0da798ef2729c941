import { InputError, TiefeError } from '@tiefe/core';

/**
 * A data file is not in the format it claims: wrong magic number, truncated, corrupt, or inconsistent with
 * its partner file. Names the file, the byte offset where reading failed and what was expected there.
 *
 * @example
 * // DatasetFormatError: t10k-images-idx3-ubyte.gz at byte 0: expected IDX magic 0x0000 then a dtype code, got 0x1f8b
 */
export class DatasetFormatError extends InputError {
  constructor(
    readonly file: string,
    readonly offset: number,
    expected: string,
    got: string,
  ) {
    super(`${file} at byte ${offset}`, expected, got);
  }
}

/**
 * A file's SHA-256 is not the one the data set lists. The file is never kept under its final name.
 */
export class DatasetHashError extends InputError {
  constructor(
    readonly file: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`${file}`, `SHA-256 ${expectedSha256}`, `SHA-256 ${actualSha256}`);
  }
}

/**
 * Files a loader needs are not on disk and downloading is off (or impossible). The message names every
 * missing file, where to put it and where to get it.
 */
export class DatasetMissingError extends TiefeError {
  constructor(
    readonly dataset: string,
    readonly missing: readonly string[],
    readonly folder: string,
    readonly urls: readonly string[],
  ) {
    super(
      `${dataset}: missing ${missing.join(', ')} in ${folder}. Put the official files there ` +
        `(from ${urls.join(' or ')}), or pass { download: true } to fetch them into the cache ` +
        `(TIEFE_DATA_DIR, default ~/.cache/tiefe).`,
    );
  }
}

/** A download failed on every URL (network error, HTTP error, interrupted transfer). */
export class DownloadError extends TiefeError {
  constructor(
    readonly file: string,
    readonly attempts: readonly string[],
  ) {
    super(`download of ${file} failed: ${attempts.join('; ')}`);
  }
}
