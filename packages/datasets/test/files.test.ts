import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs-core';
import { InputError, initBackend } from '@tiefe/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, loadImageFiles, loadNiftiFolder, loadNiftiPairs, writeNifti } from '../src/index.js';

// Locations that are URLs are fetched, in Node as in the browser: served here from loopback.
const volume = writeNifti(
  Float32Array.from({ length: 8 }, (_, i) => i),
  [2, 2, 2],
);
const label = writeNifti(Uint8Array.from([0, 1, 1, 0, 1, 0, 0, 1]), [2, 2, 2]);
let server: Server;
let base = '';

beforeAll(async () => {
  await initBackend({ prefer: ['cpu'] });
  server = createServer((req, res) => {
    if (req.url === '/vol.nii') res.writeHead(200).end(Buffer.from(volume));
    else if (req.url === '/lab.nii') res.writeHead(200).end(Buffer.from(label));
    else if (req.url === '/broken.png') res.writeHead(500).end('boom');
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setTimeout(() => server.close(), 120_000).unref(); // stops itself even if afterAll never runs
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The error `p` rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  const result = await p.then(
    () => null,
    (e: Error) => e,
  );
  if (!result) throw new Error('expected a rejection');
  return result;
}

describe('reading URLs', () => {
  it('reads volumes over HTTP', async () => {
    const data = await loadNiftiPairs([{ image: `${base}/vol.nii`, label: `${base}/lab.nii` }], { normalize: 'none' });
    expect(data.volumes.shape).toEqual([1, 2, 2, 2, 1]);
    expect(Array.from(await data.volumes.data())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(await data.labels.data())).toEqual([0, 1, 1, 0, 1, 0, 0, 1]);
    tf.dispose([data.volumes, data.labels]);
  });

  it('an HTTP error status is a DownloadError naming the URL and the status, not an input error', async () => {
    const before = tf.memory().numTensors;
    const missing = `${base}/missing.nii`;
    const e404 = await rejection(loadNiftiPairs([{ image: `${base}/vol.nii`, label: missing }]));
    expect(e404).toBeInstanceOf(DownloadError);
    expect(e404).not.toBeInstanceOf(InputError);
    expect((e404 as DownloadError).file).toBe(missing);
    expect((e404 as DownloadError).attempts).toEqual(['HTTP 404 Not Found']);
    expect(e404.message).toBe(`download of ${missing} failed: HTTP 404 Not Found`);
    expect(tf.memory().numTensors).toBe(before); // the volume read before the failure is disposed

    const broken = `${base}/broken.png`;
    const e500 = await rejection(loadImageFiles([{ location: broken, label: 0 }], ['only']));
    expect(e500).toBeInstanceOf(DownloadError);
    expect((e500 as DownloadError).attempts).toEqual(['HTTP 500 Internal Server Error']);
  });

  it('a URL cannot be listed as a folder: InputError naming the function and argument', async () => {
    const err = await rejection(loadNiftiFolder({ dir: base }));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).input).toBe('loadNiftiFolder: dir');
    expect((err as InputError).got).toBe(`${base}/labelsTr`); // the first folder it lists
    expect(err.message).toMatch(/pass a list of files/);
  });
});
