import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tiefe/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  loadNiftiFolder,
  type NiftiData,
  niftiToTensor,
  readNifti,
  writeNifti,
} from '../src/index.js';
import { tempDir } from './helpers.js';

beforeAll(() => initBackend({ prefer: ['cpu'] }));

/** A NIfTI-1 file built by hand from the header spec (not with writeNifti): int16 2x3x4, slope 2, inter 1, sform. */
function handBuilt(littleEndian: boolean): Uint8Array {
  const dims = [2, 3, 4];
  const out = new Uint8Array(352 + 24 * 2);
  const v = new DataView(out.buffer);
  v.setInt32(0, 348, littleEndian);
  v.setInt16(40, 3, littleEndian);
  dims.forEach((n, d) => {
    v.setInt16(42 + 2 * d, n, littleEndian);
  });
  v.setInt16(70, 4, littleEndian); // int16
  v.setInt16(72, 16, littleEndian);
  [1, 0.5, 0.75, 2].forEach((p, d) => {
    v.setFloat32(76 + 4 * d, p, littleEndian);
  });
  v.setFloat32(108, 352, littleEndian);
  v.setFloat32(112, 2, littleEndian); // scl_slope
  v.setFloat32(116, 1, littleEndian); // scl_inter
  v.setInt16(254, 1, littleEndian); // sform_code
  [
    [0.5, 0, 0, -10],
    [0, 0.75, 0, -20],
    [0, 0, 2, -30],
  ].forEach((row, r) => {
    for (let c = 0; c < 4; c++) v.setFloat32(280 + 16 * r + 4 * c, row[c], littleEndian);
  });
  out.set([0x6e, 0x2b, 0x31, 0], 344);
  for (let i = 0; i < 24; i++) v.setInt16(352 + 2 * i, i - 5, littleEndian);
  return out;
}

describe('readNifti', () => {
  it('reads a hand-built header in both byte orders, with scaling and sform', () => {
    for (const le of [true, false]) {
      const vol = readNifti(handBuilt(le));
      expect(vol.dims).toEqual([2, 3, 4]);
      expect(vol.pixdim).toEqual([0.5, 0.75, 2]);
      expect(vol.dtype).toBe('int16');
      expect(vol.data).toBeInstanceOf(Float32Array);
      expect(Array.from(vol.data.subarray(0, 4))).toEqual([-9, -7, -5, -3]); // (i - 5) * 2 + 1
      expect(vol.affine[1]).toEqual([0, 0.75, 0, -20]);
    }
  });

  const cases: [string, NiftiData][] = [
    ['uint8', Uint8Array.from({ length: 24 }, (_, i) => i * 10)],
    ['int8', Int8Array.from({ length: 24 }, (_, i) => i - 12)],
    ['int16', Int16Array.from({ length: 24 }, (_, i) => i * 1000 - 12000)],
    ['uint16', Uint16Array.from({ length: 24 }, (_, i) => i * 2700)],
    ['int32', Int32Array.from({ length: 24 }, (_, i) => i * 1e8 - 1e9)],
    ['uint32', Uint32Array.from({ length: 24 }, (_, i) => i * 1.7e8)],
    ['float32', Float32Array.from({ length: 24 }, (_, i) => i / 7)],
    ['float64', Float64Array.from({ length: 24 }, (_, i) => Math.PI * i)],
  ];
  for (const [dtype, data] of cases) {
    it(`round-trips ${dtype} (.nii LE, .nii.gz BE)`, () => {
      const a = readNifti(writeNifti(data, [4, 3, 2], { pixdim: [1, 2, 3] }));
      const b = readNifti(writeNifti(data, [4, 3, 2], { gzip: true, bigEndian: true }));
      for (const v of [a, b]) {
        expect(v.dtype).toBe(dtype);
        expect(v.dims).toEqual([4, 3, 2]);
        expect(Array.from(v.data)).toEqual(Array.from(data));
      }
      expect(a.affine[2][2]).toBe(3);
    });
  }

  it('gives one-byte voxels as copies of exactly the voxels, also from a pooled Node Buffer', () => {
    for (const data of [Int8Array.from([-4, 3, -2, 1, 0, 127, -128, 5]), Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 255])]) {
      // Buffer.from copies a small array into Node's shared pool: a non-zero offset into a larger ArrayBuffer.
      const bytes = Buffer.from(writeNifti(data, [2, 2, 2]));
      const vol = readNifti(bytes);
      expect(vol.data.constructor).toBe(data.constructor);
      expect(Array.from(vol.data)).toEqual(Array.from(data));
      bytes.fill(0, 352); // a copy does not see the file's bytes change
      expect(Array.from(vol.data)).toEqual(Array.from(data));
    }
  });

  it('rejects wrong header size, pair magic, unsupported type and truncation, with offsets', () => {
    const good = writeNifti(new Uint8Array(8), [2, 2, 2]);
    const bad1 = good.slice();
    bad1[0] = 99;
    expect(() => readNifti(bad1, { name: 'a.nii' })).toThrow(/a\.nii at byte 0: expected sizeof_hdr = 348/);
    const bad2 = good.slice();
    bad2.set([0x6e, 0x69, 0x31], 344);
    expect(() => readNifti(bad2, { name: 'b.nii' })).toThrow(/b\.nii at byte 344: .*'ni1' \(a \.hdr\/\.img pair/);
    const bad3 = good.slice();
    new DataView(bad3.buffer).setInt16(70, 128, true); // RGB24
    expect(() => readNifti(bad3, { name: 'c.nii' })).toThrow(/c\.nii at byte 70: expected a datatype code/);
    expect(() => readNifti(good.subarray(0, 355), { name: 'd.nii' })).toThrow(
      /d\.nii at byte 355: expected 360 bytes .* \(truncated\)/,
    );
    expect(() => readNifti(good.subarray(0, 100), { name: 'e.nii' })).toThrow(DatasetFormatError);
  });
});

describe('volumes as tensors', () => {
  it('lays out [k, j, i, c] (NDHWC without batch) from i-fastest data, and moves t last', () => {
    const data = Float32Array.from({ length: 4 * 3 * 2 * 2 }, (_, n) => n);
    const vol = readNifti(writeNifti(data, [4, 3, 2, 2]));
    const before = tf.memory().numTensors;
    const t = niftiToTensor(vol);
    expect(t.shape).toEqual([2, 3, 4, 2]);
    const a = t.arraySync();
    // voxel (i=3, j=1, k=1, t=1) sits at i + 4 * (j + 3 * (k + 2 * t)) = 3 + 4 * (1 + 3 * 3) = 43
    expect(a[1][1][3][1]).toBe(43);
    expect(a[0][2][1][0]).toBe(1 + 4 * 2);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads an imagesTr/labelsTr folder into [n, D, H, W, 1] and [n, D, H, W]', async () => {
    const t = tempDir();
    try {
      mkdirSync(join(t.dir, 'imagesTr'));
      mkdirSync(join(t.dir, 'labelsTr'));
      for (const [k, name] of ['case_001.nii.gz', 'case_002.nii.gz'].entries()) {
        const img = Float32Array.from({ length: 5 * 4 * 3 }, (_, n) => 100 + 10 * Math.sin(n + k));
        const lab = Uint8Array.from({ length: 5 * 4 * 3 }, (_, n) => (n + k) % 3);
        writeFileSync(join(t.dir, 'imagesTr', name), writeNifti(img, [5, 4, 3], { gzip: true }));
        writeFileSync(join(t.dir, 'labelsTr', name), writeNifti(lab, [5, 4, 3], { gzip: true }));
      }
      const before = tf.memory().numTensors;
      const d = await loadNiftiFolder({ dir: t.dir });
      expect(d.volumes.shape).toEqual([2, 3, 4, 5, 1]);
      expect(d.labels.shape).toEqual([2, 3, 4, 5]);
      expect(d.labels.dtype).toBe('int32');
      expect(d.labels.arraySync()[1][2][3][4]).toBe((4 + 5 * (3 + 4 * 2) + 1) % 3);
      const v = Array.from(d.volumes.dataSync().subarray(60, 120));
      const mean = v.reduce((a, b) => a + b, 0) / 60;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / 60);
      expect(Math.abs(mean)).toBeLessThan(1e-5);
      expect(sd).toBeCloseTo(1, 4);
      tf.dispose([d.volumes, d.labels]);
      expect(tf.memory().numTensors).toBe(before);
      writeFileSync(join(t.dir, 'labelsTr', 'case_002.nii.gz'), writeNifti(new Uint8Array(30), [5, 3, 2]));
      await expect(loadNiftiFolder({ dir: t.dir })).rejects.toThrow(
        /case_002\.nii\.gz at byte 42: expected dims \[5,4,3\]/,
      );
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      t.cleanup();
    }
  });
});

describe('readNifti refuses headers that would give wrong voxels', () => {
  const good = () =>
    writeNifti(
      new Float32Array(24).map((_, i) => i),
      [4, 3, 2],
    );
  const setF32 = (bytes: Uint8Array, at: number, v: number) => {
    const out = bytes.slice();
    new DataView(out.buffer).setFloat32(at, v, true);
    return out;
  };
  it('vox_offset NaN or infinite (NaN used to pass and read header bytes as voxels)', () => {
    expect(() => readNifti(setF32(good(), 108, Number.NaN), { name: 'n.nii' })).toThrow(
      /n\.nii at byte 108: expected a finite vox_offset >= 348, got NaN/,
    );
    expect(() => readNifti(setF32(good(), 108, Number.POSITIVE_INFINITY))).toThrow(/vox_offset/);
  });
  it('a data section shorter than the dims need', () => {
    const bytes = good();
    expect(() => readNifti(bytes.subarray(0, bytes.length - 4), { name: 's.nii' })).toThrow(/truncated/);
    expect(readNifti(bytes).data.length).toBe(24);
  });
  it('scl_slope or scl_inter NaN or infinite (every voxel NaN otherwise)', () => {
    expect(() => readNifti(setF32(good(), 112, Number.NaN))).toThrow(
      /at byte 112: expected a finite scl_slope, got NaN/,
    );
    const slope2 = setF32(good(), 112, 2);
    expect(() => readNifti(setF32(slope2, 116, Number.NaN))).toThrow(
      /at byte 116: expected a finite scl_inter, got NaN/,
    );
    expect(() => readNifti(setF32(slope2, 116, Number.NEGATIVE_INFINITY))).toThrow(/scl_inter/);
    expect(readNifti(slope2).data[5]).toBe(10);
    // slope 0 means "not scaled", whatever the intercept
    expect(readNifti(setF32(setF32(good(), 112, 0), 116, Number.NaN)).data[5]).toBe(5);
  });
});
