import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { DatasetFormatError, decodeImage } from '../src/index.js';
import { png } from './helpers.js';

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** A PNG with a valid IHDR (CRC fixed) of the given size, and `idat` as its only image data. */
function pngWith(width: number, height: number, idat: Uint8Array): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return new Uint8Array([
    ...[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    ...chunk('IHDR', ihdr),
    ...chunk('IDAT', idat),
    ...chunk('IEND', new Uint8Array(0)),
  ]);
}

describe('decodeImage checks the declared size before decoding', () => {
  it('a tiny PNG claiming 30000x30000 is refused at once (maxPixels, then the data it holds)', async () => {
    const bomb = pngWith(30000, 30000, new Uint8Array(deflateSync(new Uint8Array(100))));
    expect(bomb.length).toBeLessThan(160);
    const t0 = performance.now();
    await expect(decodeImage(bomb, 'bomb.png')).rejects.toThrow(
      /bomb\.png at byte 16: expected at most 67108864 pixels \(maxPixels\), got a declared size of 30000x30000/,
    );
    await expect(decodeImage(bomb, 'bomb.png', { maxPixels: 1e9 })).rejects.toThrow(
      /expected IDAT data that can inflate to the 3600030000 bytes/,
    );
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('a PNG whose IHDR is wider than its data is an error, not a garbage image', async () => {
    const rows = (w: number, h: number) => {
      const raw = new Uint8Array(h * (1 + 4 * w));
      for (let i = 0; i < raw.length; i++) raw[i] = i % (1 + 4 * w) === 0 ? 0 : 200;
      return new Uint8Array(deflateSync(raw));
    };
    const ok = await decodeImage(pngWith(4, 4, rows(4, 4)), 'ok.png');
    expect([ok.width, ok.height, ok.data[0]]).toEqual([4, 4, 200]);
    const wide = pngWith(6, 4, rows(4, 4));
    const err = await decodeImage(wide, 'wide.png').catch((e) => e);
    expect(err).toBeInstanceOf(DatasetFormatError);
    expect(err.message).toMatch(
      /wide\.png at byte 16: expected IDAT data of 100 bytes, as the IHDR's 6x4 pixels need, got 68 bytes/,
    );
    expect(
      await decodeImage(
        png(3, 2, () => 9),
        'real.png',
      ),
    ).toMatchObject({ width: 3, height: 2 });
  });

  it('a JPEG whose frame header claims 30000x30000 is refused at once', async () => {
    const small = jpeg.encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(128) }, 90).data;
    const sof = small.findIndex((b, i) => b === 0xff && small[i + 1] === 0xc0);
    const big = new Uint8Array(small);
    new DataView(big.buffer).setUint16(sof + 5, 30000);
    new DataView(big.buffer).setUint16(sof + 7, 30000);
    const t0 = performance.now();
    await expect(decodeImage(big, 'big.jpg')).rejects.toThrow(/big\.jpg at byte 0: expected at most 67108864 pixels/);
    await expect(decodeImage(big, 'big.jpg', { maxPixels: 1e9 })).rejects.toThrow(/at least one bit per 8x8 block/);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await decodeImage(new Uint8Array(small), 's.jpg')).toMatchObject({ width: 16, height: 16 });
  });
});
