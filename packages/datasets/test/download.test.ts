import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DatasetHashError,
  DatasetMissingError,
  type DatasetSpec,
  DownloadError,
  downloadFile,
  loadMnist,
  type RemoteFile,
  readDatasetFiles,
  readIdx,
  writeIdx,
} from '../src/index.js';
import { tempDir } from './helpers.js';

// Pseudo-random bytes, so that the gzipped file stays about 5 kB (an interrupted transfer needs room to stop).
let lcg = 12345;
const noise = Uint8Array.from({ length: 5000 }, () => {
  lcg = (Math.imul(lcg, 1103515245) + 12345) >>> 0;
  return lcg >>> 24;
});
const payload = writeIdx({ data: noise, shape: [5000] }, { gzip: true });
const sha = createHash('sha256').update(payload).digest('hex');
const ranges: string[] = [];
let flakyServed = 0;
let server: Server;
let base = '';
let deadBase = '';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  server = createServer((req, res) => {
    const url = req.url ?? '';
    const range = req.headers.range;
    if (range) ranges.push(`${url} ${range}`);
    if (url.startsWith('/missing/')) {
      res.writeHead(404).end('not here');
      return;
    }
    const body = url.startsWith('/bad/') ? payload.map((b) => b ^ 1) : payload;
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      res.writeHead(206, {
        'Content-Length': body.length - start,
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(Buffer.from(body.subarray(start)));
      return;
    }
    if (url.startsWith('/flaky/') && flakyServed++ === 0) {
      // Promise the whole file, send 40 % of it, then drop the connection.
      res.writeHead(200, { 'Content-Length': body.length, Connection: 'close' });
      res.write(Buffer.from(body.subarray(0, Math.floor(body.length * 0.4))), () =>
        setTimeout(() => res.destroy(), 50),
      );
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port that was open a moment ago and is closed now: connection refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  deadBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  // The server stops itself even if afterAll never runs.
  setTimeout(() => server.close(), 120_000).unref();
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const file = (urls: string[]): RemoteFile => ({ name: 'data-idx1-ubyte.gz', size: payload.length, sha256: sha, urls });

describe('downloadFile over loopback', () => {
  it('downloads, verifies and renames; reports progress', async () => {
    const t = tempDir();
    try {
      const seen: number[] = [];
      const path = await downloadFile(file([`${base}/good/x`]), t.dir, { onProgress: (r) => seen.push(r) });
      expect(path).toBe(join(t.dir, 'data-idx1-ubyte.gz'));
      expect(Buffer.compare(readFileSync(path), Buffer.from(payload))).toBe(0);
      expect(existsSync(`${path}.part`)).toBe(false);
      expect(seen[seen.length - 1]).toBe(payload.length);
      // Already there: returned without any request (the only URL is dead).
      expect(await downloadFile(file([`${deadBase}/x`]), t.dir, { onProgress: false })).toBe(path);
    } finally {
      t.cleanup();
    }
  });

  it('a hash mismatch throws DatasetHashError and leaves no file, partial or final', async () => {
    const t = tempDir();
    try {
      const err = await downloadFile(file([`${base}/bad/x`]), t.dir, { onProgress: false }).catch((e) => e);
      expect(err).toBeInstanceOf(DatasetHashError);
      expect(err.message).toContain(sha);
      expect(existsSync(join(t.dir, 'data-idx1-ubyte.gz'))).toBe(false);
      expect(existsSync(join(t.dir, 'data-idx1-ubyte.gz.part'))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('falls back over a 404 and a refused connection to a working mirror', async () => {
    const t = tempDir();
    try {
      const path = await downloadFile(file([`${base}/missing/x`, `${deadBase}/x`, `${base}/good/y`]), t.dir, {
        onProgress: false,
      });
      expect(statSync(path).size).toBe(payload.length);
      const err = await downloadFile(file([`${base}/missing/x`, `${deadBase}/x`]), join(t.dir, 'other'), {
        onProgress: false,
      }).catch((e) => e);
      expect(err).toBeInstanceOf(DownloadError);
      expect(err.message).toMatch(/HTTP 404/);
    } finally {
      t.cleanup();
    }
  });

  it('resumes an interrupted transfer with a Range request', async () => {
    const t = tempDir();
    try {
      const f = file([`${base}/flaky/x`]);
      const err = await downloadFile(f, t.dir, { onProgress: false }).catch((e) => e);
      expect(err).toBeInstanceOf(DownloadError);
      const part = join(t.dir, 'data-idx1-ubyte.gz.part');
      expect(existsSync(join(t.dir, 'data-idx1-ubyte.gz'))).toBe(false);
      const partial = statSync(part).size;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(payload.length);
      const path = await downloadFile(f, t.dir, { onProgress: false });
      expect(ranges).toContain(`/flaky/x bytes=${partial}-`);
      expect(Buffer.compare(readFileSync(path), Buffer.from(payload))).toBe(0);
      expect(existsSync(part)).toBe(false);
    } finally {
      t.cleanup();
    }
  });
});

describe('named data sets and the cache', () => {
  it('readDatasetFiles downloads into the cache folder and then reads from it', async () => {
    const t = tempDir();
    try {
      const spec: DatasetSpec = { id: 'toy', title: 'Toy', homepage: base, files: [file([`${base}/good/toy`])] };
      const opts = { cacheDir: t.dir, onProgress: false as const };
      await expect(readDatasetFiles(spec, ['data-idx1-ubyte.gz'], opts)).rejects.toThrow(DatasetMissingError);
      const [got] = await readDatasetFiles(spec, ['data-idx1-ubyte.gz'], { ...opts, download: true });
      expect(got.location).toBe(join(t.dir, 'toy', 'data-idx1-ubyte.gz'));
      expect(readIdx(got.bytes).shape).toEqual([5000]);
      // Second time: no download needed (the server would serve a different file now).
      writeFileSync(join(t.dir, 'toy', 'marker'), '');
      const [again] = await readDatasetFiles(spec, ['data-idx1-ubyte.gz'], opts);
      expect(again.bytes.length).toBe(payload.length);
    } finally {
      t.cleanup();
    }
  });

  it('without dir, loadMnist looks in TIEFE_DATA_DIR/mnist and fails at once when offline', async () => {
    const t = tempDir();
    const old = process.env.TIEFE_DATA_DIR;
    process.env.TIEFE_DATA_DIR = t.dir;
    try {
      const t0 = Date.now();
      const err = await loadMnist({ split: 'test' }).catch((e) => e);
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(err).toBeInstanceOf(DatasetMissingError);
      expect(err.message).toContain(join(t.dir, 'mnist'));
      expect(err.message).toContain('t10k-images-idx3-ubyte.gz');
      expect(err.message).toContain('download: true');
    } finally {
      if (old === undefined) delete process.env.TIEFE_DATA_DIR;
      else process.env.TIEFE_DATA_DIR = old;
      t.cleanup();
    }
  });
});
