import { describe, expect, it } from 'vitest';
import { DatasetFormatError, gzip, type IdxData, readIdx, writeIdx } from '../src/index.js';

describe('readIdx / writeIdx', () => {
  const cases: [string, IdxData, number[]][] = [
    ['uint8', Uint8Array.from([0, 1, 127, 128, 255, 7]), [2, 3]],
    ['int8', Int8Array.from([-128, -1, 0, 1, 127, 5]), [6]],
    ['int16', Int16Array.from([-32768, -2, 0, 300, 32767, 1, 2, 3]), [2, 2, 2]],
    ['int32', Int32Array.from([-2147483648, -1, 0, 65537, 2147483647, 9]), [3, 2]],
    ['float32', Float32Array.from([-1.5, 0, 3.25, 1e-7, -0, 6.5e10]), [1, 2, 3]],
    ['float64', Float64Array.from([Math.PI, -Math.E, 1e-300, 0, 1e300, -7]), [6, 1]],
  ];
  for (const [dtype, data, shape] of cases) {
    for (const zipped of [false, true]) {
      it(`round-trips ${dtype} rank ${shape.length} (${zipped ? 'gzip' : 'raw'})`, () => {
        const bytes = writeIdx({ data, shape }, { gzip: zipped });
        expect(bytes[0] === 0x1f).toBe(zipped);
        const back = readIdx(bytes);
        expect(back.dtype).toBe(dtype);
        expect(back.shape).toEqual(shape);
        expect(Array.from(back.data)).toEqual(Array.from(data));
      });
    }
  }

  it('writes big-endian headers and values (hand-built bytes)', () => {
    // magic 00 00 0b 01, dim 2, values 0x0102, 0xfffe (= -2)
    const bytes = Uint8Array.from([0, 0, 0x0b, 1, 0, 0, 0, 2, 1, 2, 0xff, 0xfe]);
    const got = readIdx(bytes);
    expect(got).toMatchObject({ dtype: 'int16', shape: [2] });
    expect(Array.from(got.data)).toEqual([258, -2]);
    expect(Array.from(writeIdx({ data: Int16Array.from([258, -2]), shape: [2] }))).toEqual(Array.from(bytes));
  });

  it('reads rank 0 (a scalar)', () => {
    const got = readIdx(Uint8Array.from([0, 0, 8, 0, 42]));
    expect(got.shape).toEqual([]);
    expect(Array.from(got.data)).toEqual([42]);
  });

  it('reads uint8 and int8 values as views into the bytes, wider types big-endian into new arrays', () => {
    // A pooled Node Buffer: its bytes sit at a non-zero offset of a larger ArrayBuffer.
    const bytes = Buffer.from(writeIdx({ data: Int8Array.from([-3, 4, -5]), shape: [3] }));
    const got = readIdx(bytes);
    expect(got.data).toBeInstanceOf(Int8Array);
    expect(Array.from(got.data)).toEqual([-3, 4, -5]);
    bytes[bytes.length - 1] = 7; // a view sees the change
    expect(Array.from(got.data)).toEqual([-3, 4, 7]);
    const u8 = readIdx(Buffer.from([0, 0, 8, 1, 0, 0, 0, 2, 9, 250]));
    expect(Array.from(u8.data)).toEqual([9, 250]);
    const f32 = Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 2, 0x3f, 0xc0, 0, 0, 0xc1, 0x20, 0, 0]);
    expect(Array.from(readIdx(f32).data)).toEqual([1.5, -10]);
  });

  it('rejects a wrong magic with the offset and what was expected', () => {
    const bad = Uint8Array.from([1, 2, 8, 1, 0, 0, 0, 0]);
    expect(() => readIdx(bad, { name: 'x.idx' })).toThrow(DatasetFormatError);
    expect(() => readIdx(bad, { name: 'x.idx' })).toThrow(/x\.idx at byte 0: expected IDX magic 0x0000.*got 0x0102/);
  });

  it('rejects an unknown type code at byte 2', () => {
    expect(() => readIdx(Uint8Array.from([0, 0, 0x0a, 0]), { name: 'f' })).toThrow(
      /f at byte 2: expected an IDX type code/,
    );
  });

  it('rejects truncated data with the expected length', () => {
    const full = writeIdx({ data: new Uint8Array(100), shape: [10, 10] });
    const cut = full.subarray(0, 60);
    const err = (() => {
      try {
        readIdx(cut, { name: 'cut.idx' });
      } catch (e) {
        return e as DatasetFormatError;
      }
    })();
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect(err?.file).toBe('cut.idx');
    expect(err?.offset).toBe(60);
    expect(err?.message).toMatch(/expected 112 bytes .* got 60 bytes \(truncated\)/);
  });

  it('rejects a truncated header', () => {
    expect(() => readIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), { name: 'h' })).toThrow(
      /h at byte 8: expected 3 dimension sizes/,
    );
  });

  it('rejects a gzip stream that does not inflate', () => {
    const zipped = gzip(writeIdx({ data: new Uint8Array(1000).fill(3), shape: [1000] }));
    const corrupt = zipped.slice();
    for (let i = 12; i < corrupt.length - 8; i++) corrupt[i] ^= 0x5a;
    expect(() => readIdx(corrupt, { name: 'c.gz' })).toThrow(/c\.gz at byte 0: expected a gzip member that inflates/);
    expect(() => readIdx(zipped.subarray(0, 15), { name: 'short.gz' })).toThrow(DatasetFormatError);
  });
});
