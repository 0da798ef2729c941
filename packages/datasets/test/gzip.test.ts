import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, maybeGunzip, readIdx, writeIdx } from '../src/index.js';

/** gzip with the deflate data stored (level 0), so a flipped data byte still inflates, to altered bytes. */
function stored(data: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(data, { level: 0 }));
}

function setTrailer(gz: Uint8Array, at: 'crc' | 'isize', value: number): Uint8Array {
  const out = gz.slice();
  new DataView(out.buffer).setUint32(out.length - (at === 'crc' ? 8 : 4), value >>> 0, true);
  return out;
}

describe('maybeGunzip verifies what it inflates', () => {
  const data = new Uint8Array(3000).map((_, i) => (i * 7) % 251);

  it('a flipped byte inside the data is a CRC error, not altered pixels', () => {
    const gz = stored(data);
    const bad = gz.slice();
    bad[100] ^= 0x01; // inside the stored block: inflates fine, to different bytes
    expect(() => maybeGunzip(bad, 'x.gz')).toThrow(/x\.gz at byte \d+: expected data matching the stored CRC-32/);
    expect(Array.from(maybeGunzip(gz, 'x.gz'))).toEqual(Array.from(data));
  });

  it('an ISIZE that disagrees is an error (smaller: no silent truncation; larger: no allocation from it)', () => {
    const gz = new Uint8Array(gzipSync(data));
    expect(() => maybeGunzip(setTrailer(gz, 'isize', 100), 'x.gz')).toThrow(/expected the stored ISIZE 100, got 3000/);
    const tiny = new Uint8Array(gzipSync(new Uint8Array(5)));
    expect(tiny.length).toBeLessThan(40);
    const rss = process.memoryUsage().rss;
    expect(() => maybeGunzip(setTrailer(tiny, 'isize', 0xffffffff), 't.gz')).toThrow(/ISIZE 4294967295/);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 2 ** 20);
  });

  it('reads every member of a concatenated stream and names the failing member', () => {
    const a = new Uint8Array(gzipSync(data.subarray(0, 1000)));
    const b = new Uint8Array(gzipSync(data.subarray(1000)));
    const both = new Uint8Array([...a, ...b]);
    expect(Array.from(maybeGunzip(both, 'two.gz'))).toEqual(Array.from(data));
    const badB = setTrailer(b, 'crc', 1);
    const err = (() => {
      try {
        maybeGunzip(new Uint8Array([...a, ...badB]), 'two.gz');
      } catch (e) {
        return e as DatasetFormatError;
      }
    })();
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect(err?.message).toContain(`member from byte ${a.length}`);
    // a cut in the second member reports the second member's offset, not byte 10
    expect(() => maybeGunzip(new Uint8Array([...a, ...b.subarray(0, 20)]), 'cut.gz')).toThrow(
      new RegExp(`cut\\.gz at byte ${a.length}: expected a gzip member`),
    );
  });

  it('caps the output while inflating (maxBytes, and what an IDX header declares)', () => {
    // 4096 members of 64 KiB of zeros each: 256 MiB when inflated, from ~0.4 MB (built at once)
    const member = new Uint8Array(gzipSync(new Uint8Array(64 * 1024)));
    const bomb = new Uint8Array(member.length * 4096);
    for (let k = 0; k < 4096; k++) bomb.set(member, k * member.length);
    expect(bomb.length).toBeLessThan(500_000);
    const rss = process.memoryUsage().rss;
    expect(() => maybeGunzip(bomb, 'bomb.gz', { maxBytes: 2 ** 20 })).toThrow(
      /bomb\.gz at byte \d+: expected at most 1048576 inflated bytes/,
    );
    expect(process.memoryUsage().rss - rss).toBeLessThan(128 * 2 ** 20); // far below the 256 MiB it claims
    // an IDX header declaring 10 bytes of data, followed by megabytes: stopped near the declared size
    const header = writeIdx({ data: new Uint8Array(10), shape: [10] });
    const idx = new Uint8Array(gzipSync(new Uint8Array([...header, ...new Uint8Array(2 * 2 ** 20)])));
    expect(() => readIdx(idx, { name: 'i.gz' })).toThrow(/at most 19 inflated bytes/);
  });
});
