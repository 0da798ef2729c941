import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';

/** The shared real data, `../shared/data` relative to the repo root. */
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data', import.meta.url));
export const MNIST_DIR = join(SHARED_DATA, 'mnist');
export const FASHION_DIR = join(SHARED_DATA, 'fashion-mnist-sample');

/** A fresh temp folder and a function removing it. */
export function tempDir(prefix = 'tiefe-datasets-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A member for {@link writeTar}: a file (bytes), a directory, or a link (for refusal tests). */
export interface TarMember {
  path: string;
  bytes?: Uint8Array;
  type?: '0' | '5' | '2' | '1';
  link?: string;
  /** Size to write in the header instead of bytes.length (for oversize tests). */
  fakeSize?: number;
}

/** Writes a ustar archive (test fixtures), following POSIX.1-1988: 512-byte headers, octal fields, checksum. */
export function writeTar(members: TarMember[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  for (const m of members) {
    const h = new Uint8Array(512);
    const put = (s: string, at: number) => h.set(enc.encode(s), at);
    const data = m.bytes ?? new Uint8Array(0);
    put(m.path, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(`${(m.fakeSize ?? data.length).toString(8).padStart(11, '0')}\0`, 124);
    put('00000000000\0', 136);
    h[156] = (m.type ?? '0').charCodeAt(0);
    if (m.link) put(m.link, 157);
    put('ustar\0', 257);
    put('00', 263);
    h.fill(32, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    if (data.length) {
      const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
      padded.set(data);
      blocks.push(padded);
    }
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** An RGBA PNG whose pixel (x, y) is (f(x, y, 0), f(x, y, 1), f(x, y, 2), 255). */
export function png(width: number, height: number, f: (x: number, y: number, c: number) => number): Uint8Array {
  const p = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) p.data[(y * width + x) * 4 + c] = f(x, y, c);
      p.data[(y * width + x) * 4 + 3] = 255;
    }
  return new Uint8Array(PNG.sync.write(p));
}
