import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../src/index.js';

describe('crc32', () => {
  it('gives the check value of ISO 3309 and agrees with zlib, in one piece and continued over pieces', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = new Uint8Array(10_000).map((_, i) => (i * 7919 + (i >> 3)) & 0xff);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    const continued = crc32(bytes.subarray(4321), crc32(bytes.subarray(0, 4321)));
    expect(continued).toBe(zlibCrc32(bytes));
  });
});
