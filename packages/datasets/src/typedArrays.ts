/** Element types of the numeric typed arrays that binary formats (IDX, NIfTI) store. */
export type NumericDtype = 'uint8' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

/** A typed array of one {@link NumericDtype}, in native byte order. */
export type NumericArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

const ARRAYS = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

type WideDtype = Exclude<NumericDtype, 'uint8' | 'int8'>;

const GET: Record<WideDtype, (v: DataView, at: number, le: boolean) => number> = {
  int16: (v, at, le) => v.getInt16(at, le),
  uint16: (v, at, le) => v.getUint16(at, le),
  int32: (v, at, le) => v.getInt32(at, le),
  uint32: (v, at, le) => v.getUint32(at, le),
  float32: (v, at, le) => v.getFloat32(at, le),
  float64: (v, at, le) => v.getFloat64(at, le),
};

const SET: Record<NumericDtype, (v: DataView, at: number, value: number, le: boolean) => void> = {
  uint8: (v, at, value) => v.setUint8(at, value),
  int8: (v, at, value) => v.setInt8(at, value),
  int16: (v, at, value, le) => v.setInt16(at, value, le),
  uint16: (v, at, value, le) => v.setUint16(at, value, le),
  int32: (v, at, value, le) => v.setInt32(at, value, le),
  uint32: (v, at, value, le) => v.setUint32(at, value, le),
  float32: (v, at, value, le) => v.setFloat32(at, value, le),
  float64: (v, at, value, le) => v.setFloat64(at, value, le),
};

/** Bytes per value of `dtype`. */
export function bytesPerValue(dtype: NumericDtype): number {
  return ARRAYS[dtype].BYTES_PER_ELEMENT;
}

/** The dtype of the typed array `data` among the `dtypes` a format stores; 'float64' for any other array. */
export function dtypeOfArray<D extends NumericDtype>(data: ArrayLike<number>, dtypes: readonly D[]): D | 'float64' {
  for (const d of dtypes) if (data instanceof ARRAYS[d]) return d;
  return 'float64';
}

/**
 * `count` values of `dtype` stored from byte `at` of `bytes` in the given byte order. One-byte types are views
 * into `bytes` (no copy); wider types are decoded into a new array.
 */
export function readValues(
  bytes: Uint8Array,
  at: number,
  count: number,
  dtype: NumericDtype,
  littleEndian: boolean,
): NumericArray {
  if (dtype === 'uint8') return new Uint8Array(bytes.buffer, bytes.byteOffset + at, count);
  if (dtype === 'int8') return new Int8Array(bytes.buffer, bytes.byteOffset + at, count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new ARRAYS[dtype](count);
  const get = GET[dtype];
  const size = out.BYTES_PER_ELEMENT;
  for (let i = 0; i < count; i++) out[i] = get(view, at + i * size, littleEndian);
  return out;
}

/** Stores the values of `data` as `dtype` from byte `at` of `view`, in the given byte order. */
export function writeValues(
  view: DataView,
  at: number,
  data: ArrayLike<number>,
  dtype: NumericDtype,
  littleEndian: boolean,
): void {
  const set = SET[dtype];
  const size = bytesPerValue(dtype);
  for (let i = 0; i < data.length; i++) set(view, at + i * size, data[i], littleEndian);
}

/** The chunks joined into one array of `total` bytes (the sum of their lengths). */
export function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
