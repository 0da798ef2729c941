import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exists, readBytes } from '../src/files.js';
import { DownloadError, downloadFile, loadMnist, type RemoteFile } from '../src/index.js';
import { tempDir } from './helpers.js';

const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 256);
const sha = createHash('sha256').update(payload).digest('hex');
const file = (url: string): RemoteFile => ({ name: 'f.bin', size: payload.length, sha256: sha, urls: [url] });
let server: Server;
let base = '';
let served = 0;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? '';
    open.add(res);
    res.on('close', () => open.delete(res));
    if (url.startsWith('/silent')) return; // never answers
    if (url.startsWith('/loop')) {
      res.writeHead(302, { Location: url }).end();
      return;
    }
    if (url.startsWith('/endless')) {
      res.writeHead(200);
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(Buffer.alloc(4096, 1))), 2);
      return;
    }
    if (url.startsWith('/trickle')) {
      res.writeHead(200, { 'Content-Length': payload.length });
      let i = 0;
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(Buffer.from([payload[i++]]))), 50);
      return;
    }
    // /slow: the file in 5 pieces, 40 ms apart (long enough for a second caller to arrive mid-transfer)
    served++;
    res.writeHead(200, { 'Content-Length': payload.length });
    let piece = 0;
    const t = setInterval(() => {
      res.write(Buffer.from(payload.subarray(piece * 1000, (piece + 1) * 1000)));
      if (++piece === 5) {
        clearInterval(t);
        res.end();
      }
    }, 40);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setTimeout(() => server.close(), 120_000).unref();
});

afterAll(() => {
  for (const res of open) res.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('downloads cannot grow, hang or collide', () => {
  it('an endless body is cut at the declared size, and the .part removed', async () => {
    const t = tempDir();
    try {
      const err = await downloadFile(file(`${base}/endless`), t.dir, { onProgress: false }).catch((e) => e);
      expect(err).toBeInstanceOf(DownloadError);
      expect(err.message).toMatch(/more than the 5000 bytes the file has/);
      expect(readdirSync(t.dir)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('a trickle that never stalls still ends at the deadline', async () => {
    const t = tempDir();
    try {
      const t0 = Date.now();
      const err = await downloadFile(file(`${base}/trickle`), t.dir, { onProgress: false, deadlineMs: 400 }).catch(
        (e) => e,
      );
      expect(err).toBeInstanceOf(DownloadError);
      expect(err.message).toMatch(/not complete after 400 ms \(deadlineMs\)/);
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      t.cleanup();
    }
  });

  it('a redirect loop reports the reason, not only "fetch failed"', async () => {
    const t = tempDir();
    try {
      const err = await downloadFile(file(`${base}/loop`), t.dir, { onProgress: false }).catch((e) => e);
      expect(err.message).toMatch(/fetch failed: redirect count exceeded/);
      await expect(readBytes(`${base}/loop/x`)).rejects.toThrow(/redirect count exceeded/);
    } finally {
      t.cleanup();
    }
  });

  it('a server that never answers: readBytes, exists and loadMnist({ dir: URL }) time out', async () => {
    const saved = process.env.TIEFE_NETWORK_TIMEOUT_MS;
    process.env.TIEFE_NETWORK_TIMEOUT_MS = '300';
    try {
      const t0 = Date.now();
      await expect(readBytes(`${base}/silent/a`)).rejects.toThrow(/silent\/a failed: no data for 300 ms/);
      expect(await exists(`${base}/silent/b`)).toBe(false);
      await expect(loadMnist({ dir: `${base}/silent` })).rejects.toThrow();
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      if (saved === undefined) delete process.env.TIEFE_NETWORK_TIMEOUT_MS;
      else process.env.TIEFE_NETWORK_TIMEOUT_MS = saved;
    }
  });

  it('two concurrent downloads of one file both succeed, with one transfer', async () => {
    const t = tempDir();
    try {
      served = 0;
      const [a, b] = await Promise.all([
        downloadFile(file(`${base}/slow/1`), t.dir, { onProgress: false }),
        downloadFile(file(`${base}/slow/2`), t.dir, { onProgress: false }),
      ]);
      expect(a).toBe(join(t.dir, 'f.bin'));
      expect(b).toBe(a);
      expect(served).toBe(1);
      expect(Buffer.compare(readFileSync(a), Buffer.from(payload))).toBe(0);
      expect(readdirSync(t.dir)).toEqual(['f.bin']);
      expect(existsSync(`${a}.lock`)).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});
