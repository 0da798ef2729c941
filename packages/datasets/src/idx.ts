import { DatasetFormatError } from './errors.js';
import { gzip, maybeGunzip } from './gzip.js';

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

const CODES: Record<number, { dtype: IdxDtype; size: number }> = {
  8: { dtype: 'uint8', size: 1 },
  9: { dtype: 'int8', size: 1 },
  11: { dtype: 'int16', size: 2 },
  12: { dtype: 'int32', size: 4 },
  13: { dtype: 'float32', size: 4 },
  14: { dtype: 'float64', size: 8 },
};
const CODE_OF: Record<IdxDtype, number> = { uint8: 8, int8: 9, int16: 0xb, int32: 0xc, float32: 0xd, float64: 0xe };

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /** Name used in error messages (default 'IDX data'). */
  name?: string;
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
  const raw = maybeGunzip(bytes, name);
  if (raw.length < 4) {
    throw new DatasetFormatError(name, raw.length, 'a 4-byte IDX magic number', `${raw.length} bytes`);
  }
  if (raw[0] !== 0 || raw[1] !== 0) {
    const got = `0x${raw[0].toString(16).padStart(2, '0')}${raw[1].toString(16).padStart(2, '0')}`;
    throw new DatasetFormatError(name, 0, 'IDX magic 0x0000 followed by a type code and a rank', got);
  }
  const type = CODES[raw[2]];
  if (!type) {
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
  const expectedLength = headerEnd + count * type.size;
  if (raw.length !== expectedLength) {
    throw new DatasetFormatError(
      name,
      Math.min(raw.length, expectedLength),
      `${expectedLength} bytes (header ${headerEnd} + ${count} x ${type.size}-byte ${type.dtype} for shape [${shape}])`,
      `${raw.length} bytes (${raw.length < expectedLength ? 'truncated' : 'trailing data'})`,
    );
  }
  return { dtype: type.dtype, shape, data: decodeValues(raw, view, headerEnd, count, type.dtype) };
}

function decodeValues(raw: Uint8Array, view: DataView, at: number, count: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return raw.subarray(at, at + count);
    case 'int8':
      return new Int8Array(raw.buffer, raw.byteOffset + at, count);
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, false);
      return out;
    }
  }
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
  const dtype = dtypeOf(data);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new DatasetFormatError('writeIdx', 0, `${count} values for shape [${shape}]`, `${data.length} values`);
  }
  if (shape.length > 255) throw new DatasetFormatError('writeIdx', 3, 'rank <= 255', `rank ${shape.length}`);
  const size = CODES[CODE_OF[dtype]].size;
  const headerEnd = 4 + 4 * shape.length;
  const out = new Uint8Array(headerEnd + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[dtype];
  out[3] = shape.length;
  for (let d = 0; d < shape.length; d++) view.setUint32(4 + 4 * d, shape[d], false);
  for (let i = 0; i < count; i++) {
    const at = headerEnd + i * size;
    switch (dtype) {
      case 'uint8':
        out[at] = data[i];
        break;
      case 'int8':
        view.setInt8(at, data[i]);
        break;
      case 'int16':
        view.setInt16(at, data[i], false);
        break;
      case 'int32':
        view.setInt32(at, data[i], false);
        break;
      case 'float32':
        view.setFloat32(at, data[i], false);
        break;
      case 'float64':
        view.setFloat64(at, data[i], false);
        break;
    }
  }
  return options.gzip ? gzip(out) : out;
}

function dtypeOf(data: IdxData): IdxDtype {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}
