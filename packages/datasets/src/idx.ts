import { DatasetFormatError } from './errors.js';
import { gzip, maybeGunzip } from './gzip.js';
import { bytesPerValue, dtypeOfArray, readValues, writeValues } from './typedArrays.js';

/** The element types an IDX file can hold, by their IDX type code. */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Typed array for each IDX dtype, in native byte order. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: element type, dimensions, and the values in row-major order. */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

/** IDX type code (the magic's third byte) of each dtype. */
const CODE_OF: Record<IdxDtype, number> = { uint8: 8, int8: 9, int16: 0xb, int32: 0xc, float32: 0xd, float64: 0xe };
const DTYPES = Object.keys(CODE_OF) as IdxDtype[];
const DTYPE_OF: Record<number, IdxDtype> = Object.fromEntries(DTYPES.map((d) => [CODE_OF[d], d]));

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /** Name used in error messages (default 'IDX data'). */
  name?: string;
}

/** The byte size an IDX header declares (for the gunzip cap), once the header is there; 0 for no IDX header. */
function idxSize(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  if (head[0] !== 0 || head[1] !== 0 || !DTYPE_OF[head[2]]) return 4; // not IDX: readIdx reports the magic
  const headerEnd = 4 + 4 * head[3];
  if (head.length < headerEnd) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let count = 1;
  for (let d = 0; d < head[3]; d++) count *= view.getUint32(4 + 4 * d, false);
  // one byte more than declared, so that trailing data is reported by readIdx's own size check
  return headerEnd + count * bytesPerValue(DTYPE_OF[head[2]]) + 1;
}

/**
 * Parses an IDX file (the MNIST format: magic `0x00 0x00 <type> <rank>`, `rank` big-endian uint32
 * dimensions, then big-endian values), gzipped or raw (detected by the gzip magic number). Every IDX type
 * (ubyte, byte, short, int, float, double) and any rank 0..255 is supported.
 *
 * `uint8` and `int8` data are views into the (inflated) buffer, not copies. Throws {@link DatasetFormatError}
 * with the byte offset on a wrong magic, an unknown type, or a size that does not match the header.
 */
export function readIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): IdxArray {
  const name = options.name ?? 'IDX data';
  const raw = maybeGunzip(bytes, name, { limit: idxSize });
  if (raw.length < 4) {
    throw new DatasetFormatError(name, raw.length, 'a 4-byte IDX magic number', `${raw.length} bytes`);
  }
  if (raw[0] !== 0 || raw[1] !== 0) {
    const got = `0x${raw[0].toString(16).padStart(2, '0')}${raw[1].toString(16).padStart(2, '0')}`;
    throw new DatasetFormatError(name, 0, 'IDX magic 0x0000 followed by a type code and a rank', got);
  }
  const dtype: IdxDtype | undefined = DTYPE_OF[raw[2]];
  if (!dtype) {
    throw new DatasetFormatError(
      name,
      2,
      'an IDX type code (0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)',
      `0x${raw[2].toString(16)}`,
    );
  }
  const rank = raw[3];
  const headerEnd = 4 + 4 * rank;
  if (raw.length < headerEnd) {
    throw new DatasetFormatError(
      name,
      raw.length,
      `${rank} dimension sizes ending at byte ${headerEnd}`,
      `end of data`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }
  const size = bytesPerValue(dtype);
  const expectedLength = headerEnd + count * size;
  if (raw.length !== expectedLength) {
    throw new DatasetFormatError(
      name,
      Math.min(raw.length, expectedLength),
      `${expectedLength} bytes (header ${headerEnd} + ${count} x ${size}-byte ${dtype} for shape [${shape}])`,
      `${raw.length} bytes (${raw.length < expectedLength ? 'truncated' : 'trailing data'})`,
    );
  }
  return { dtype, shape, data: readValues(raw, headerEnd, count, dtype, false) as IdxData };
}

/** Options of {@link writeIdx}. */
export interface WriteIdxOptions {
  /** Gzip the result, as the official MNIST files are (default false). */
  gzip?: boolean;
}

/**
 * Encodes an array as an IDX file (big-endian, the inverse of {@link readIdx}). The dtype follows the typed
 * array: Uint8Array -> ubyte, Int8Array -> byte, Int16Array -> short, Int32Array -> int, Float32Array -> float,
 * Float64Array -> double.
 */
export function writeIdx(array: { data: IdxData; shape: number[] }, options: WriteIdxOptions = {}): Uint8Array {
  const { data, shape } = array;
  const dtype = dtypeOfArray(data, DTYPES);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new DatasetFormatError('writeIdx', 0, `${count} values for shape [${shape}]`, `${data.length} values`);
  }
  if (shape.length > 255) throw new DatasetFormatError('writeIdx', 3, 'rank <= 255', `rank ${shape.length}`);
  const size = bytesPerValue(dtype);
  const headerEnd = 4 + 4 * shape.length;
  const out = new Uint8Array(headerEnd + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[dtype];
  out[3] = shape.length;
  for (let d = 0; d < shape.length; d++) view.setUint32(4 + 4 * d, shape[d], false);
  writeValues(view, headerEnd, data, dtype, false);
  return options.gzip ? gzip(out) : out;
}
