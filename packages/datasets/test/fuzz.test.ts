/**
 * Seeded, bounded fuzzing of every parser: a few hundred mutations of a valid file per format (bit flips,
 * random and "interesting" bytes, truncation, insertion, deletion, duplicated ranges). Every outcome must be a
 * correct parse ('identical'), a parse of altered data where the format has no checksum ('altered'), or a
 * typed error (a TiefeError: DatasetFormatError, InputError); never an untyped crash, a hang or a slow case,
 * and never altered data where a checksum covers it (gzip, PNG). The counts per outcome are printed.
 */
import { createRng, TiefeError } from '@tiefe/core';
import jpeg from 'jpeg-js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatasetFormatError,
  decodeImage,
  gzip,
  isGzip,
  maybeGunzip,
  parseCifar,
  readIdx,
  readNifti,
  readTar,
  writeIdx,
  writeNifti,
} from '../src/index.js';
import { png, writeTar } from './helpers.js';

const CASES = 300;
/** No single case may take longer (a hang or an allocation out of proportion shows up as time). */
const MAX_CASE_MS = 1500;

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 348];

/** 1 to 3 random mutations of `bytes` (a copy). */
function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  let b = bytes.slice();
  const int = (n: number) => Math.floor(next() * n);
  const ops = 1 + int(3);
  for (let k = 0; k < ops; k++) {
    const at = int(Math.max(1, b.length));
    switch (int(7)) {
      case 0: // flip one bit
        if (b.length) b[at] ^= 1 << int(8);
        break;
      case 1: // a random byte
        if (b.length) b[at] = int(256);
        break;
      case 2: {
        // an interesting 32-bit value, either byte order
        const v = INTERESTING[int(INTERESTING.length)];
        const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (at + 4 <= b.length) view.setUint32(at, v >>> 0, next() < 0.5);
        break;
      }
      case 3: // truncate
        b = b.slice(0, at);
        break;
      case 4: {
        // insert random bytes
        const ins = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
        b = new Uint8Array([...b.subarray(0, at), ...ins, ...b.subarray(at)]);
        break;
      }
      case 5: // delete a range
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1 + int(32))]);
        break;
      default: {
        // duplicate a range
        const len = 1 + int(64);
        b = new Uint8Array([...b.subarray(0, at + len), ...b.subarray(at, at + len), ...b.subarray(at + len)]);
      }
    }
  }
  return b;
}

type Outcome = 'identical' | 'altered' | 'typed error';
const summary: string[] = [];

/**
 * Runs `CASES` mutations of `original` through `parse`, comparing each result's `key` with the original's.
 * Returns the counts; an untyped error fails at once with the case that caused it.
 */
async function fuzz(
  format: string,
  seed: number,
  original: Uint8Array,
  parse: (b: Uint8Array) => unknown | Promise<unknown>,
  key: (parsed: unknown) => string,
): Promise<Record<Outcome, number> & { maxMs: number }> {
  const next = createRng(seed).next;
  const want = key(await parse(original));
  const counts = { identical: 0, altered: 0, 'typed error': 0, maxMs: 0 };
  for (let i = 0; i < CASES; i++) {
    const bytes = mutate(original, next);
    const t0 = performance.now();
    try {
      const got = key(await parse(bytes));
      counts[got === want ? 'identical' : 'altered']++;
      // FUZZ_DEBUG=<format> prints the altered cases, to turn one into a unit test
      if (got !== want && process.env.FUZZ_DEBUG === format) console.log(format, i, Buffer.from(bytes).toString('hex'));
    } catch (e) {
      if (!(e instanceof TiefeError)) {
        throw new Error(
          `${format} case ${i} (seed ${seed}): untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
        );
      }
      counts['typed error']++;
    }
    counts.maxMs = Math.max(counts.maxMs, performance.now() - t0);
  }
  const line = `${format.padEnd(10)} identical ${String(counts.identical).padStart(3)}, altered ${String(counts.altered).padStart(3)}, typed error ${String(counts['typed error']).padStart(3)}, slowest case ${counts.maxMs.toFixed(0)} ms`;
  summary.push(line);
  console.log(`fuzz ${line}`);
  expect(counts.maxMs).toBeLessThan(MAX_CASE_MS);
  return counts;
}

/** A short fingerprint of typed-array data (length and a position-weighted sum). */
function digest(a: ArrayLike<number>): string {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = (s * 31 + (a[i] + 7) * (i + 1)) % 1_000_000_007;
  return `${a.length}:${s}`;
}

const pattern = (n: number, m = 251) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + (i >> 3)) % m);

afterAll(() => {
  console.log(`fuzz summary (${CASES} mutations per format):\n${summary.join('\n')}`);
});

describe(`fuzz: ${CASES} seeded mutations per format, every outcome a correct parse or a typed error`, () => {
  it('gzip (CRC-32 and ISIZE: never altered data)', async () => {
    // A mutated magic number makes maybeGunzip pass the bytes through unchanged (by design: the format parser
    // behind it reports them); here, where gzip is required, that is the typed error a caller raises.
    const strict = (b: Uint8Array) => {
      if (!isGzip(b)) throw new DatasetFormatError('f.gz', 0, 'the gzip magic number 1f 8b', 'other bytes');
      return maybeGunzip(b, 'f.gz');
    };
    const c = await fuzz('gzip', 1, gzip(pattern(3000)), strict, (r) => digest(r as Uint8Array));
    expect(c.altered).toBe(0);
  });
  it('IDX, raw and gzipped', async () => {
    const arr = { data: pattern(600), shape: [6, 10, 10] };
    const key = (r: unknown) => {
      const x = r as { dtype: string; shape: number[]; data: ArrayLike<number> };
      return `${x.dtype}${x.shape}:${digest(x.data)}`;
    };
    await fuzz('IDX', 2, writeIdx(arr), (b) => readIdx(b, { name: 'i' }), key);
    const gz = await fuzz('IDX.gz', 3, writeIdx(arr, { gzip: true }), (b) => readIdx(b, { name: 'i.gz' }), key);
    expect(gz.altered).toBe(0);
  });
  it('CIFAR-10 and CIFAR-100 records', async () => {
    const rec10 = new Uint8Array(3 * 3073);
    for (let r = 0; r < 3; r++) rec10.set([r + 1, ...pattern(3072)], r * 3073);
    const key = (r: unknown) => {
      const x = r as { labels: Uint8Array; pixels: Uint8Array; coarseLabels?: Uint8Array };
      return `${digest(x.labels)}:${digest(x.pixels)}:${x.coarseLabels ? digest(x.coarseLabels) : ''}`;
    };
    await fuzz('CIFAR-10', 4, rec10, (b) => parseCifar([{ name: 'c', bytes: b }], 10), key);
    const rec100 = new Uint8Array(2 * 3074);
    for (let r = 0; r < 2; r++) rec100.set([r + 3, r + 40, ...pattern(3072)], r * 3074);
    await fuzz('CIFAR-100', 5, rec100, (b) => parseCifar([{ name: 'c', bytes: b }], 100), key);
  });
  it('NIfTI-1, raw and gzipped', async () => {
    const vol = writeNifti(
      new Float32Array(120).map((_, i) => Math.sin(i)),
      [5, 4, 6],
      { pixdim: [1, 2, 3] },
    );
    const key = (r: unknown) => {
      const v = r as { dims: number[]; dtype: string; data: ArrayLike<number> };
      return `${v.dims}${v.dtype}:${digest(Array.from(v.data, (x) => Math.round(x * 1e4)))}`;
    };
    await fuzz('NIfTI', 6, vol, (b) => readNifti(b, { name: 'v.nii' }), key);
    const gz = await fuzz('NIfTI.gz', 7, gzip(vol), (b) => readNifti(b, { name: 'v.nii.gz' }), key);
    expect(gz.altered).toBe(0);
  });
  it('tar, raw and gzipped', async () => {
    const tar = writeTar([
      { path: 'd/', type: '5' },
      { path: 'd/a.bin', bytes: pattern(700) },
      { path: 'b.txt', bytes: pattern(20) },
    ]);
    const key = (r: unknown) =>
      (r as { path: string; type: string; bytes: Uint8Array }[])
        .map((e) => `${e.path}|${e.type}|${digest(e.bytes)}`)
        .join(';');
    await fuzz('tar', 8, tar, (b) => readTar(b, { name: 't.tar' }), key);
    const gz = await fuzz('tar.gz', 9, gzip(tar), (b) => readTar(maybeGunzip(b, 't.tgz'), { name: 't.tgz' }), key);
    expect(gz.altered).toBe(0);
  });
  it('PNG (chunk CRCs: never altered pixels) and JPEG', async () => {
    const key = (r: unknown) => {
      const im = r as { width: number; height: number; data: Uint8Array };
      return `${im.width}x${im.height}:${digest(im.data)}`;
    };
    const p = await fuzz(
      'PNG',
      10,
      png(12, 9, (x, y, c) => (x * 20 + y * 7 + c * 50) % 256),
      (b) => decodeImage(b, 'p.png'),
      key,
    );
    expect(p.altered).toBe(0);
    const rgba = new Uint8Array(16 * 16 * 4).map((_, i) => (i * 13) % 256);
    const jpg = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: rgba }, 80).data);
    await fuzz('JPEG', 11, jpg, (b) => decodeImage(b, 'p.jpg'), key);
  });
});
